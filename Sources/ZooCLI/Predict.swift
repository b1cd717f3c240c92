import ArgumentParser
import Foundation
import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooPipelines
import ZooTensor
import ZooTraining

/// A Keras full-model file (ours or Keras's own, of supported layers) and the digits it runs on.
struct ModelFileOptions: ParsableArguments {
    @Option(help: "A Keras full model: legacy .h5 from model.save (e.g. from zoo finetune/train) or a .keras archive.")
    var modelFile: String?

    @Option(help: "A MNIST directory or mnist.npz. Default: the built-in sample.")
    var data: String?

    @Option(help: "Which split: train or test.")
    var split: Split = .test

    @Option(help: "Use only the first N digits.")
    var limit: Int?

    @OptionGroup var images: DataOptions

    /// Required everywhere but `predict --model MODEL --include-top`.
    func requiredModelFile() throws -> String {
        guard let modelFile else { throw ValidationError("give --model-file") }
        return modelFile
    }

    func load() throws -> Model { try Self.load(try requiredModelFile()) }

    /// Builds the network from the file's own config and loads its weights.
    static func load(_ modelFile: String) throws -> Model { try loadKerasModel(modelFile, configuration: zooConfiguration) }

    func digits(for model: Model) throws -> Digits {
        try loadDigits(for: model, file: try requiredModelFile(), data: data, split: split, limit: limit)
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Keras full-model file on MNIST digits and write the class probabilities and predictions.")

    @OptionGroup var file: ModelFileOptions
    @OptionGroup var imagenet: ImageNetPredictOptions

    @Option(help: "HDF5 file to write: /probabilities [N, classes] and /predictions [N].")
    var output: String

    @Argument(help: "Image files or folders of images (JPEG, PNG, BMP, GIF) to predict instead of --data.")
    var inputs: [String] = []

    func validate() throws {
        guard (file.modelFile == nil) != (imagenet.model == nil) else { throw ValidationError("give either --model-file or --model") }
    }

    func run() throws {
        try checkWritable(output)
        if imagenet.requested { return try imagenet.run(data: file.data, split: file.split, limit: file.limit, output: output) }
        let model = try file.load()
        if !inputs.isEmpty || isImageFolder(file.data) {
            let files = inputs.isEmpty
                ? try file.images.settings.folder(file.data!, split: file.split).prefix(file.limit).files : try imageFiles(inputs)
            let (p, kept) = try predictImages(model, files: files, settings: file.images.settings, warn: warn)
            try writeImagePredictions(p, files: kept.map { files[$0] }, to: output)
            return print("\(output): \(kept.count) predictions")
        }
        let digits = try file.digits(for: model)
        try writePredictions(try predict(model, on: digits), of: digits, to: output)
        print("\(output): \(digits.count) predictions")
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a Keras full-model file on MNIST digits: accuracy, loss, per-class accuracy, confusion matrix.")

    @OptionGroup var file: ModelFileOptions

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws { _ = try file.requiredModelFile() }

    func run() throws {
        let model = try file.load()
        let e = try file.data.map(isImageFolder) == true
            ? evaluateImages(model, data: file.data!, split: file.split, limit: file.limit, settings: file.images.settings, warn: warn)
            : evaluate(model, on: try file.digits(for: model))
        if json { return try printJSON(e) }
        print(String(format: "accuracy: %.4f\nloss: %.4f\ndigits: %d", e.accuracy, e.loss, e.count))
        print(e.table())
    }
}
