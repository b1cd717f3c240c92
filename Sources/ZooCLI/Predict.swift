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
        abstract: "Run a Keras full-model file on MNIST digits: print each input's top classes by name, and/or write the class probabilities and predictions.")

    @OptionGroup var file: ModelFileOptions
    @OptionGroup var imagenet: ImageNetPredictOptions

    @Option(help: "HDF5 file to write: /probabilities [N, classes] and /predictions [N]. Without it (or with --top or --json) each input's top classes are printed.")
    var output: String?

    @Option(help: "How many of each input's most probable classes to print (default 5, at most the number of classes).")
    var top: Int?

    @Flag(help: "Print the top classes as JSON.")
    var json = false

    @Argument(help: "Image files or folders of images (JPEG, PNG, BMP, GIF) to predict instead of --data.")
    var inputs: [String] = []

    func validate() throws {
        guard (file.modelFile == nil) != (imagenet.model == nil) else { throw ValidationError("give either --model-file or --model") }
        if let top, top < 1 { throw ValidationError("--top must be 1 or more") }
    }

    func run() throws {
        if let output { try checkWritable(output) }
        if imagenet.requested {
            return try imagenet.run(data: file.data, split: file.split, limit: file.limit, top: top ?? 5, output: output,
                                    files: try imageFiles(inputs), images: file.images.settings)
        }
        let model = try file.load()
        if !inputs.isEmpty || isImageFolder(file.data) {
            let files = inputs.isEmpty
                ? try file.images.settings.folder(file.data!, split: file.split).prefix(file.limit).files : try imageFiles(inputs)
            let (p, kept) = try predictImages(model, files: files, settings: file.images.settings, warn: warn)
            let keptFiles = kept.map { files[$0] }
            if let output {
                try writeImagePredictions(p, files: keptFiles, to: output)
                if top == nil && !json { return print("\(output): \(kept.count) predictions") }
            }
            return try printTopClasses(p, labels: nil, inputNames: keptFiles)
        }
        let digits = try file.digits(for: model)
        let probabilities = try predict(model, on: digits)
        if let output {
            try writePredictions(probabilities, of: digits, to: output)
            if top == nil && !json { return print("\(output): \(digits.count) predictions") }
        }
        try printTopClasses(probabilities, labels: digits.labels.map(Int.init))
    }

    /// Each input's top-K class names and probabilities, named by the model file's class names
    /// (or the data set's when the file has none).
    func printTopClasses(_ probabilities: Tensor, labels: [Int]?, inputNames: [String]? = nil) throws {
        let names = try modelClassNames(try file.requiredModelFile(), data: file.data)
        let ranked = topClasses(probabilities, k: top ?? 5, classNames: names, labels: labels)
        if json { return try printJSON(PredictReport(model: file.modelFile, output: output, classNames: names, predictions: ranked)) }
        for r in ranked {
            let label = r.label.map { " (label \(namesForClasses(names, count: probabilities.shape[1])[$0]))" } ?? ""
            print("\(inputNames?[r.index] ?? String(r.index))\(label): " + r.top.map { String(format: "%@ %.4f", $0.className, $0.probability) }.joined(separator: ", "))
        }
    }

    struct PredictReport: Encodable {
        let model: String?
        let output: String?
        let classNames: [String]
        let predictions: [TopClasses]
    }
}

/// The class names stored in a model file, or the data set's when it has none.
func modelClassNames(_ modelFile: String, data: String?) throws -> [String] {
    try exportedClassNames(modelFile) ?? datasetClassNames(data)
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a Keras full-model file on MNIST digits: accuracy, loss, per-class accuracy and confusion matrix by class name.")

    @OptionGroup var file: ModelFileOptions

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws { _ = try file.requiredModelFile() }

    func run() throws {
        let model = try file.load()
        let e = try file.data.map(isImageFolder) == true
            ? evaluateImages(model, data: file.data!, split: file.split, limit: file.limit, settings: file.images.settings, warn: warn)
            : evaluate(model, on: try file.digits(for: model))
        let named = NamedEvaluation(e, classNames: try modelClassNames(try file.requiredModelFile(), data: file.data))
        if json { return try printJSON(named) }
        print(String(format: "accuracy: %.4f\nloss: %.4f\ndigits: %d", e.accuracy, e.loss, e.count))
        print(named.table())
    }
}
