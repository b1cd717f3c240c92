import XCTest
import ZooLayers
import ZooModels
import ZooTensor
@testable import ZooTraining

/// Central differences in double precision around float32 weights: the loss is evaluated on a
/// small model, so the finite-difference error stays far below the tolerance.
func numericalGradient(_ model: Model, _ w: Weight, x: Tensor, y: [Int], index: Int, h: Float = 1e-3) -> Double {
    func loss() -> Double {
        _ = model.forward(x, training: true)
        return softmaxCrossEntropy(logits: (model.layers.last as! Dense).logits!, labels: y).loss
    }
    let original = w.value.data[index]
    w.value.data[index] = original + h
    let up = loss()
    w.value.data[index] = original - h
    let down = loss()
    w.value.data[index] = original
    return (up - down) / Double(2 * h)
}

func randomTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -scale...scale, using: &rng) })
}

final class GradientTests: XCTestCase {
    /// Every weight of Dense/ReLU/Flatten/Dropout(0)/softmax chains against central differences.
    func testBackwardMatchesCentralDifferences() throws {
        var rng = SeededGenerator(seed: 11)
        let m = Model(name: "g")
        var x = try m.input("in", shape: [2, 3, 2])
        x = try m(Flatten(name: "flat"), x)
        x = try m(Dense("d1", units: 5, activation: .relu), x)
        x = try m(Dropout("drop", rate: 0), x)
        x = try m(Dense("d2", units: 4, activation: .linear), x)
        x = try m(ActivationLayer("act", .relu), x)
        try m(Dense("out", units: 3, activation: .softmax), x)
        m.initializeKerasDefaults(seed: 3)
        for layer in m.layers { for w in layer.weights where w.name == "bias" { w.value = randomTensor(w.shape, &rng, scale: 0.3) } }
        let input = randomTensor([4, 2, 3, 2], &rng)
        let labels = [0, 2, 1, 2]
        _ = m.forward(input, training: true)
        let ce = softmaxCrossEntropy(logits: (m.layers.last as! Dense).logits!, labels: labels)
        m.backward(ce.dLogits)
        for (path, w) in m.trainableWeights {
            let analytic = w.gradient!.data
            for i in 0..<w.count {
                let numeric = numericalGradient(m, w, x: input, y: labels, index: i)
                XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-3 * max(1, abs(numeric)), "\(path)[\(i)]")
            }
        }
    }

    /// A residual conv net through every layer with a backward pass, against central differences.
    func testConvolutionalGraphBackwardMatchesCentralDifferences() throws {
        var rng = SeededGenerator(seed: 5)
        let m = Model(name: "r")
        var x = try m.input("in", shape: [7, 6, 2])
        x = try m(ZeroPadding2D("pad", padding: ((1, 0), (0, 1))), x)
        let a = try m(Conv2D("c1", filters: 3, kernelSize: 3, strides: 2, padding: .same, activation: .relu), x)
        var b = try m(Conv2D("c2", filters: 3, kernelSize: 1, strides: 2), x)
        b = try m(BatchNormalization("bn", epsilon: 1.001e-5), b)
        x = try m(Add(name: "add"), a, b)
        x = try m(MaxPooling2D("pool", poolSize: (2, 2), strides: (1, 1), padding: .same), x)
        x = try m(AveragePooling2D("avg", poolSize: (2, 2), strides: (2, 2), padding: .same), x)
        x = try m(GlobalAveragePooling2D(name: "gap"), x)
        try m(Dense("out", units: 3, activation: .softmax), x)
        m.initializeKerasDefaults(seed: 4)
        for layer in m.layers {
            for w in layer.weights where w.name != "kernel" { w.value = randomTensor(w.shape, &rng, scale: 0.3) }
        }
        let variance = m.layer(named: "bn")!.weight("moving_variance")!
        variance.value = Tensor(shape: variance.shape, data: variance.value.data.map { abs($0) + 0.5 })
        let input = randomTensor([3, 7, 6, 2], &rng)
        let labels = [0, 2, 1]
        _ = m.forward(input, training: true)
        m.backward(softmaxCrossEntropy(logits: (m.layers.last as! Dense).logits!, labels: labels).dLogits)
        for (path, w) in m.trainableWeights {
            let analytic = w.gradient!.data
            for i in 0..<w.count {
                let numeric = numericalGradient(m, w, x: input, y: labels, index: i)
                XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-3 * max(1, abs(numeric)), "\(path)[\(i)]")
            }
        }
        XCTAssertNil(variance.gradient, "moving statistics are not trained")
    }

    func testSoftmaxCrossEntropyIsStableAndCorrect() {
        let r = softmaxCrossEntropy(logits: Tensor(shape: [1, 3], data: [1000, 0, -1000]), labels: [0])
        XCTAssertEqual(r.loss, 0, accuracy: 1e-9)
        let u = softmaxCrossEntropy(logits: Tensor(shape: [1, 2], data: [0, 0]), labels: [1])
        XCTAssertEqual(u.loss, log(2), accuracy: 1e-9)
        XCTAssertEqual(u.dLogits.data, [0.5, -0.5])
    }

    func testDropoutKeepsExpectationAndMasksGradients() throws {
        let d = Dropout("drop", rate: 0.5)
        _ = try d.build([[10_000]])
        let x = Tensor(repeating: 1, shape: [1, 10_000])
        let y = d.forward([x], training: true)
        XCTAssertEqual(Double(y.data.reduce(0, +)) / 10_000, 1, accuracy: 0.05)
        XCTAssertTrue(y.data.allSatisfy { $0 == 0 || $0 == 2 })
        let g = d.backward(Tensor(repeating: 1, shape: [1, 10_000]))[0]
        XCTAssertEqual(g.data, y.data)
        XCTAssertEqual(d.forward([x], training: false).data, x.data)
    }

    /// The fast mask (both cores, jumping ahead in the SplitMix64 stream) is exactly what drawing
    /// `Float.random(in: 0..<1)` from the layer's `SeededGenerator` one value at a time gives, and
    /// leaves the generator where those draws would.
    func testDropoutMaskIsTheSeededStream() {
        for (count, rate) in [(0, Float(0.5)), (7, 0.25), (200_003, 0.3), (150_000, 0.5)] {
            var slow = SeededGenerator(seed: 77), fast = SeededGenerator(seed: 77)
            let scale = 1 / (1 - rate)
            let expected = (0..<count).map { _ in Float.random(in: 0..<1, using: &slow) < rate ? 0 : scale }
            XCTAssertEqual(dropoutMask(count: count, rate: rate, state: &fast.state), expected, "\(count) at \(rate)")
            XCTAssertEqual(fast.state, slow.state)
        }
    }

    func testFrozenLayersGetNoGradient() throws {
        let m = Model(name: "f")
        var x = try m.input("in", shape: [3])
        x = try m(Dense("frozen", units: 3, activation: .relu), x)
        try m(Dense("out", units: 2, activation: .softmax), x)
        m.initializeKerasDefaults(seed: 1)
        m.layer(named: "frozen")!.trainable = false
        _ = m.forward(Tensor(repeating: 1, shape: [2, 3]), training: true)
        m.backward(Tensor(repeating: 0.1, shape: [2, 2]))
        XCTAssertNil(m.layer(named: "frozen")!.weights[0].gradient)
        XCTAssertNotNil(m.layer(named: "out")!.weights[0].gradient)
        XCTAssertEqual(m.trainableWeights.map(\.path), ["out/kernel", "out/bias"])
    }
}

final class TrainerTests: XCTestCase {
    func data(_ n: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let labels = (0..<n).map { $0 % 3 }
        var x = randomTensor([n, 6], &rng, scale: 0.5)
        for (i, l) in labels.enumerated() { x.data[i * 6 + l] += 2 }
        return (x, labels)
    }

    func head(seed: UInt64) throws -> Model {
        let m = try classifierHead(features: 6, hidden: 8, dropout: 0.3, classes: 3)
        m.initializeKerasDefaults(seed: seed)
        return m
    }

    func testTrainingLearnsASeparableProblem() throws {
        let (x, y) = data(300, seed: 5)
        var o = TrainingOptions()
        o.epochs = 15
        o.batchSize = 16
        let t = try Trainer(model: try head(seed: 1), optimizer: .adam(learningRate: 0.01), options: o)
        let h = try t.fit(x: x, y: y)
        XCTAssertEqual(h.count, 15)
        XCTAssertGreaterThan(h.last!.valAccuracy!, 0.95)
        XCTAssertLessThan(h.last!.loss, h.first!.loss)
    }

    /// Two runs with the same seed agree exactly; stopping after 2 epochs and resuming from the
    /// checkpoint ends with the same weights as 4 uninterrupted epochs.
    func testResumeFromCheckpointIsExact() throws {
        let (x, y) = data(200, seed: 9)
        var o = TrainingOptions()
        o.epochs = 4
        o.batchSize = 32
        o.earlyStopping = 10
        o.schedule = .stepDecay(every: 1, factor: 0.5)
        let straight = try head(seed: 2)
        _ = try Trainer(model: straight, optimizer: .adam(), options: o).fit(x: x, y: y)

        let dir = NSTemporaryDirectory() + "zoo-ckpt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/checkpoint.h5"
        var first = o
        first.epochs = 2
        let a = try head(seed: 2)
        let ta = try Trainer(model: a, optimizer: .adam(), options: first)
        _ = try ta.fit(x: x, y: y, onEpoch: { _, state in
            try Checkpoint.save(to: path, model: a, optimizer: ta.optimizer, state: state, run: "r")
        })
        let b = try head(seed: 99)  // different initial weights: the checkpoint must overwrite them
        let tb = try Trainer(model: b, optimizer: .adam(), options: o)
        tb.restore(try Checkpoint.restore(from: path, model: b, optimizer: tb.optimizer, run: "r"))
        let history = try tb.fit(x: x, y: y)
        XCTAssertEqual(history.count, 4)
        for (p, w) in straight.trainableWeights {
            XCTAssertEqual(w.value.data, b.trainableWeights.first { $0.path == p }!.weight.value.data, p)
        }
        XCTAssertThrowsError(try Checkpoint.restore(from: path, model: b, optimizer: tb.optimizer, run: "other"))
    }

    func testNonFiniteLossStopsWithAClearError() throws {
        var (x, y) = data(64, seed: 1)
        x.data[0] = .nan
        var o = TrainingOptions()
        o.epochs = 1
        o.validationSplit = 0
        o.shuffle = false
        let t = try Trainer(model: try head(seed: 1), optimizer: .sgd(), options: o)
        XCTAssertThrowsError(try t.fit(x: x, y: y)) { XCTAssertTrue("\($0)".contains("loss became nan"), "\($0)") }
    }

    func testEvaluationCountsPerClass() {
        let e = Evaluation(loss: 0, predictions: [0, 1, 1, 2], labels: [0, 1, 2, 2], classes: 3)
        XCTAssertEqual(e.accuracy, 0.75)
        XCTAssertEqual(e.perClassAccuracy, [1, 1, 0.5])
        XCTAssertEqual(e.confusion, [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    }
}
