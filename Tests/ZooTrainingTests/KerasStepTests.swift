import Foundation
import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
@testable import ZooTraining

/// Fixtures from `tools/make_training_fixtures.py`: Keras 3.15 (checked against tf-keras 2.21)
/// trains from given initial weights on consecutive batches of 32, no shuffling, dropout 0; we
/// must end with the same weights within 1e-4 relative (max |ours - keras| <= 1e-4 max |keras|
/// per tensor) and the same per-step losses.
final class KerasStepTests: XCTestCase {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training")

    func optimizer(_ g: H5Group) throws -> Optimizer {
        let lr = Float(try number(g, "learning_rate"))
        switch try g.stringList("optimizer").first {
        case "sgd": return .sgd(learningRate: lr, momentum: Float(try number(g, "momentum")), nesterov: try number(g, "nesterov") != 0)
        case "adam": return .adam(learningRate: lr)
        case "rmsprop": return .rmsprop(learningRate: lr)
        case let other: throw XCTSkip("unknown optimizer \(other ?? "?")")
        }
    }

    func number(_ g: H5Group, _ name: String) throws -> Double {
        switch try g.attribute(name) {
        case let .double(v): return v
        case let .int(v): return Double(v)
        default: return .nan
        }
    }

    func run(_ fixture: String, model build: () throws -> Model, inputs: (H5File) throws -> Tensor) throws {
        let f = try H5File.open(dir.appendingPathComponent(fixture).path)
        let x = try inputs(f)
        let labels = try f.root.dataset("labels").readInt64s().map(Int.init)
        for case_ in try f.root.memberNames() where !["initial", "features", "images", "labels", "indices"].contains(case_) {
            let g = try f.root.group(case_)
            let m = try build()
            for layer in m.layers { if let d = layer as? Dropout { d.rate = 0 } }
            for layer in m.weightedLayers {
                for w in layer.weights {
                    w.value = Tensor(shape: w.shape, data: try f.root.dataset("initial/\(layer.name)/\(w.name)").readFloats())
                }
            }
            var options = TrainingOptions()
            options.epochs = 1
            options.batchSize = 32
            options.validationSplit = 0
            options.shuffle = false
            let trainer = try Trainer(model: m, optimizer: try optimizer(g), options: options)
            var losses: [Double] = [], previous = 0.0
            _ = try trainer.fit(x: x, y: labels, onBatch: { done, _, mean, _ in
                losses.append(mean * Double(done) - previous)
                previous = mean * Double(done)
            })
            let kerasLosses = try g.dataset("losses").readDoubles().map { $0 * 32 }
            for (s, (ours, keras)) in zip(losses, kerasLosses).enumerated() {
                XCTAssertEqual(ours, keras, accuracy: 1e-4 * abs(keras), "\(fixture) \(case_) loss of step \(s)")
            }
            for layer in m.weightedLayers {
                for w in layer.weights {
                    var ours = w.value.data, keras: [Float]
                    let path = "\(layer.name)/\(w.name)"
                    if g.kind(of: path) == .dataset {
                        keras = try g.dataset(path).readFloats()
                    } else {
                        // cnn fc1 stores every 9th kernel row only (fixture size).
                        let rows = try g.dataset("\(layer.name)/row_indices").readInt64s().map(Int.init)
                        keras = try g.dataset("\(layer.name)/kernel_rows").readFloats()
                        let width = w.shape[1]
                        ours = rows.flatMap { r in ours[(r * width)..<((r + 1) * width)] }
                    }
                    let err = zip(ours, keras).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                    let scale = keras.reduce(Float(0)) { max($0, abs($1)) }
                    XCTAssertLessThanOrEqual(err, 1e-4 * scale, "\(fixture) \(case_) \(path): max abs error \(err), max |keras| \(scale)")
                }
            }
        }
    }

    func digits(_ f: H5File) throws -> Tensor {
        let d = try f.root.dataset("images")
        return Tensor(shape: d.shape + [1], data: try d.readFloats())  // uint8 digits, or float32 in cnn_steps
    }

    func testHeadStepsMatchKeras() throws {
        try run("head_steps.h5", model: { try classifierHead(features: 64, hidden: 32, dropout: 0) }) { f in
            let d = try f.root.dataset("features")
            return Tensor(shape: d.shape, data: try d.readFloats())
        }
    }

    func testMLPStepsMatchKeras() throws {
        try run("mlp_steps.h5", model: { try scratchModel("mlp").build([28, 28, 1], 10) }, inputs: digits)
    }

    func testCNNStepsMatchKeras() throws {
        try run("cnn_steps.h5", model: { try scratchModel("cnn").build([28, 28, 1], 10) }, inputs: digits)
    }
}
