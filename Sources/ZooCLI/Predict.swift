import ArgumentParser
import Foundation
import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTraining

/// A Keras full-model file (ours or Keras's own, of supported layers) and the digits it runs on.
struct ModelFileOptions: ParsableArguments {
    @Option(help: "A Keras full model: legacy .h5 from model.save (e.g. from zoo finetune/train) or a .keras archive.")
    var modelFile: String

    @Option(help: "A MNIST directory or mnist.npz. Default: the built-in sample.")
    var data: String?

    @Option(help: "Which split: train or test.")
    var split: Split = .test

    @Option(help: "Use only the first N digits.")
    var limit: Int?

    func load() throws -> Model { try Self.load(modelFile) }

    /// Builds the network from the file's own config and loads its weights.
    static func load(_ modelFile: String) throws -> Model {
        let file = try openKerasFile(modelFile)
        guard let config = file.modelConfig else {
            throw ExitStatus.Failure(status: .unreadableFile, message: "\(modelFile): has no model config (a weights-only file); use zoo load")
        }
        let model = try modelFromConfig(config, file: modelFile)
        try loadWeights(into: model, from: file).check()
        return model
    }

    func digits(for model: Model) throws -> (Digits, Tensor) {
        let digits = try MNIST.load(data, split: split).prefix(limit)
        guard model.inputShape == [digits.height, digits.width, 1] else {
            throw ExitStatus.Failure(status: .failure, message: "\(modelFile): the model takes input \(describeShape(model.inputShape)), not raw \(digits.height)x\(digits.width)x1 digits")
        }
        return (digits, digits.tensor(0..<digits.count))
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Keras full-model file on MNIST digits and write the class probabilities and predictions.")

    @OptionGroup var file: ModelFileOptions

    @Option(help: "HDF5 file to write: /probabilities [N, classes] and /predictions [N].")
    var output: String

    func run() throws {
        try checkWritable(output)
        let model = try file.load()
        let (digits, x) = try file.digits(for: model)
        let p = Trainer.predict(try model.fusedForInference(), x: x, batchSize: 64)
        try writeHDF5Atomically(output) { f in
            _ = try f.root.createDataset("probabilities", shape: p.shape, floats: p.data)
            _ = try f.root.createDataset("predictions", shape: [digits.count], int64s: argmax(p).map(Int64.init))
            _ = try f.root.createDataset("labels", shape: [digits.count], int64s: digits.labels.map(Int64.init))
        }
        print("\(output): \(digits.count) predictions")
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a Keras full-model file on MNIST digits: accuracy, loss, per-class accuracy, confusion matrix.")

    @OptionGroup var file: ModelFileOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let model = try file.load()
        let (digits, x) = try file.digits(for: model)
        let e = Trainer.evaluate(try model.fusedForInference(), x: x, y: digits.labels.map(Int.init), batchSize: 64)
        if json { return try printJSON(e) }
        print(String(format: "accuracy: %.4f\nloss: %.4f\ndigits: %d", e.accuracy, e.loss, e.count))
        print(e.table())
    }
}
