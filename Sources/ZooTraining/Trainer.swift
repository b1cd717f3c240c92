import Foundation
import ZooLayers
import ZooTensor

public struct TrainingOptions: Sendable {
    public var epochs = 10
    public var batchSize = 64
    public var validationSplit = 0.1
    public var seed: UInt64 = 0
    public var shuffle = true
    /// Stop after this many epochs without a val_loss improvement and restore the best weights
    /// (keras.callbacks.EarlyStopping(patience=N, restore_best_weights=True)).
    public var earlyStopping: Int?
    public var schedule: Schedule = .constant
    public init() {}
}

/// One epoch of history, as Keras's `History.history` holds it.
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var learningRate: Float
    public var seconds: Double
}

/// Everything needed to continue training exactly where it stopped.
public struct TrainingState: Sendable, Codable {
    public var epochsDone = 0
    public var history: [EpochRecord] = []
    public var shuffleState: UInt64 = 0
    public var dropoutStates: [String: UInt64] = [:]
    public var schedule = ScheduleState()
    public var bestValLoss: Double?
    public var epochsWithoutImprovement = 0
    public var bestWeights: [String: [Float]] = [:]
    public var learningRate: Float = 0
    public var iterations = 0
    public init() {}
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, batch: Int, loss: Double)
    case notAClassifier(String)
    case emptyData(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, batch, loss):
            return "loss became \(loss) at epoch \(epoch), batch \(batch); lower --lr or check the data"
        case let .notAClassifier(reason): return "cannot train this model: \(reason)"
        case let .emptyData(reason): return reason
        }
    }
}

/// Trains a softmax classifier with categorical cross-entropy on in-memory inputs, the way
/// `model.fit` does: seeded shuffling each epoch, running loss and accuracy, validation,
/// schedules and early stopping. The held-out validation rows are chosen at random (seeded),
/// not taken from the end as Keras does, because MNIST-format files are often sorted by label.
public final class Trainer {
    public let model: Model
    public let optimizer: Optimizer
    public let options: TrainingOptions
    public private(set) var state = TrainingState()
    private let initialLearningRate: Float

    public init(model: Model, optimizer: Optimizer, options: TrainingOptions) throws {
        guard let last = model.layers.last as? Dense, last.activation == .softmax else {
            throw TrainingError.notAClassifier("its last layer must be a Dense softmax")
        }
        for layer in model.layers where layer.trainable && !layer.weights.isEmpty && !layer.differentiable {
            throw TrainingError.notAClassifier("layer \(layer.name) (\(layer.className)) cannot be trained")
        }
        self.model = model
        self.optimizer = optimizer
        self.options = options
        self.initialLearningRate = optimizer.learningRate
        state.shuffleState = options.seed
        state.learningRate = optimizer.learningRate
        for (i, d) in model.layers.compactMap({ $0 as? any RandomLayer }).enumerated() {
            state.dropoutStates[d.name] = options.seed &+ 1 &+ UInt64(i)
        }
    }

    /// Continues from a checkpointed state (the model's weights must be restored by the caller).
    public func restore(_ saved: TrainingState) {
        state = saved
        optimizer.learningRate = saved.learningRate
        optimizer.iterations = saved.iterations
    }

    /// Splits off the validation rows: a seeded random `validationSplit` fraction.
    public func split(count: Int) -> (train: [Int], validation: [Int]) {
        var rng = SeededGenerator(seed: options.seed ^ 0x5EED)
        let order = options.validationSplit > 0 ? Array(0..<count).shuffled(using: &rng) : Array(0..<count)
        let nVal = Int((Double(count) * options.validationSplit).rounded(.down))
        return (Array(order[nVal...]).sorted(), Array(order[..<nVal]).sorted())
    }

    public func fit(
        x: Tensor, y: [Int],
        onBatch: (_ done: Int, _ total: Int, _ loss: Double, _ accuracy: Double) -> Void = { _, _, _, _ in },
        onEpoch: (EpochRecord, TrainingState) throws -> Void = { _, _ in }
    ) throws -> [EpochRecord] {
        let (trainRows, valRows) = split(count: y.count)
        guard !trainRows.isEmpty else { throw TrainingError.emptyData("no training rows") }
        let xVal = gather(x, valRows), yVal = valRows.map { y[$0] }
        let trainable = model.trainableWeights
        let dropouts = model.layers.compactMap { $0 as? any RandomLayer }
        while state.epochsDone < options.epochs {
            let epoch = state.epochsDone
            let start = Date()
            optimizer.learningRate = options.schedule.rate(
                epoch: epoch, initial: initialLearningRate, current: optimizer.learningRate,
                valLoss: state.history.last?.valLoss, state: &state.schedule)
            var shuffle = SeededGenerator(seed: state.shuffleState)
            let order = options.shuffle ? trainRows.shuffled(using: &shuffle) : trainRows
            for d in dropouts { d.generator = SeededGenerator(seed: state.dropoutStates[d.name] ?? 0) }
            var lossSum = 0.0, correct = 0, seen = 0
            for (b, batchStart) in stride(from: 0, to: order.count, by: options.batchSize).enumerated() {
                let rows = Array(order[batchStart..<min(batchStart + options.batchSize, order.count)])
                let labels = rows.map { y[$0] }
                _ = model.forward(gather(x, rows), training: true)
                let logits = (model.layers.last as! Dense).logits!
                let ce = softmaxCrossEntropy(logits: logits, labels: labels)
                guard ce.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch + 1, batch: b + 1, loss: ce.loss) }
                model.backward(ce.dLogits)
                optimizer.step(trainable)
                lossSum += ce.loss * Double(rows.count)
                correct += zip(argmax(ce.probabilities), labels).filter { $0 == $1 }.count
                seen += rows.count
                onBatch(seen, order.count, lossSum / Double(seen), Double(correct) / Double(seen))
            }
            state.shuffleState = shuffle.state
            for d in dropouts { state.dropoutStates[d.name] = d.generator.state }
            var record = EpochRecord(epoch: epoch + 1, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                     learningRate: optimizer.learningRate, seconds: 0)
            if !valRows.isEmpty {
                let e = evaluate(x: xVal, y: yVal)
                (record.valLoss, record.valAccuracy) = (e.loss, e.accuracy)
            }
            record.seconds = Date().timeIntervalSince(start)
            state.history.append(record)
            state.epochsDone += 1
            state.learningRate = optimizer.learningRate
            state.iterations = optimizer.iterations
            let stop = trackEarlyStopping(record)
            if stop { state.epochsDone = options.epochs }
            try onEpoch(record, state)
            if stop { break }
        }
        if options.earlyStopping != nil, !state.bestWeights.isEmpty {
            for (path, w) in model.trainableWeights { if let v = state.bestWeights[path] { w.value = Tensor(shape: w.shape, data: v) } }
        }
        return state.history
    }

    /// Keras EarlyStopping on val_loss (min_delta 0); returns true when training should stop.
    private func trackEarlyStopping(_ record: EpochRecord) -> Bool {
        guard let patience = options.earlyStopping, let valLoss = record.valLoss else { return false }
        if valLoss < (state.bestValLoss ?? .infinity) {
            state.bestValLoss = valLoss
            state.epochsWithoutImprovement = 0
            state.bestWeights = Dictionary(uniqueKeysWithValues: model.trainableWeights.map { ($0.path, $0.weight.value.data) })
            return false
        }
        state.epochsWithoutImprovement += 1
        return state.epochsWithoutImprovement >= patience
    }

    public func evaluate(x: Tensor, y: [Int], batchSize: Int = 256) -> Evaluation {
        Self.evaluate(model, x: x, y: y, batchSize: batchSize)
    }

    /// Loss (mean categorical cross-entropy on the probabilities, clipped as Keras clips them),
    /// accuracy and confusion matrix of a softmax model.
    public static func evaluate(_ model: Model, x: Tensor, y: [Int], batchSize: Int = 256) -> Evaluation {
        let p = predict(model, x: x, batchSize: batchSize)
        let classes = p.shape[1]
        var loss = 0.0
        for (r, label) in y.enumerated() {
            loss -= log(Double(min(max(p.data[r * classes + label], 1e-7), 1 - 1e-7)))
        }
        return Evaluation(loss: y.isEmpty ? 0 : loss / Double(y.count), predictions: argmax(p), labels: y, classes: classes)
    }

    public static func predict(_ model: Model, x: Tensor, batchSize: Int = 256) -> Tensor {
        let n = x.shape[0]
        var out: [Float] = []
        for start in stride(from: 0, to: n, by: batchSize) {
            out += model(x.rows(start..<min(start + batchSize, n))).data
        }
        return Tensor(shape: [n] + model.outputShape, data: out)
    }
}

/// Rows `rows` of x (first axis), in that order.
public func gather(_ x: Tensor, _ rows: [Int]) -> Tensor {
    let stride = x.shape.dropFirst().reduce(1, *)
    var out = [Float](repeating: 0, count: rows.count * stride)
    x.data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for (i, r) in rows.enumerated() {
                (dst.baseAddress! + i * stride).update(from: src.baseAddress! + r * stride, count: stride)
            }
        }
    }
    return Tensor(shape: [rows.count] + x.shape.dropFirst(), data: out)
}

/// Index of the largest value in each row of a [N, C] tensor.
public func argmax(_ p: Tensor) -> [Int] {
    let c = p.shape.last!
    return (0..<(p.count / c)).map { r in
        var best = 0
        for j in 1..<c where p.data[r * c + j] > p.data[r * c + best] { best = j }
        return best
    }
}
