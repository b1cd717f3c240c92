import ArgumentParser
import Foundation
import ZooData
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines
import ZooTensor
import ZooTraining

/// `zoo predict --model MODEL --include-top`: a catalogue model with its ImageNet classifier on
/// digits, preprocessed as the family's preprocess_input (resized to the model's input, gray
/// replicated to RGB), printing each input's top-5 ImageNet classes as keras
/// `decode_predictions` gives them.
struct ImageNetPredictOptions: ParsableArguments {
    @Option(help: "Instead of --model-file: a catalogue model with its ImageNet top (needs --include-top), e.g. mobilenetv2; its official weights, or --weights.")
    var model: String?

    @OptionGroup var shape: ShapeOptions

    @Option(help: "With --model: a Keras weight file of the model with its top (default: the official ImageNet weights).")
    var weights: String?

    var requested: Bool { model != nil }

    func validate() throws {
        guard let model else {
            if weights != nil || shape.includeTop || shape.alpha != nil || shape.minimalistic {
                throw ValidationError("--weights, --include-top, --alpha and --minimalistic need --model MODEL")
            }
            return
        }
        try checkBackboneName(model)
        guard shape.includeTop else { throw ValidationError("--model \(model) needs --include-top: predict prints the ImageNet classes of the top") }
        try shape.check(for: model)
    }

    /// Runs the model on image files (decoded and resized as Keras's image loading, then the
    /// family's preprocess_input) or else on the digits, prints each input's top classes and
    /// writes the probabilities and predictions to `output`.
    func run(data: String?, split: Split, limit: Int?, top: Int, output: String?, files: [String] = [],
             images: ImageDataSettings = ImageDataSettings()) throws {
        let entry = try shape.entry(model!)
        let net = try entry.build((shape.size, shape.size), true, .none)
        net.replan(policy: zooConfiguration.convPolicy)
        let path = try weights ?? withUntrainedHint { try officialWeights(entry, includeTop: true) }
        try loadWeights(into: net, from: openKerasFile(path)).check()
        if !files.isEmpty {
            let batch = try images.loading(height: shape.size, width: shape.size, colorMode: .rgb).load(files)
            for (file, reason) in batch.failures { warn("skipping \(file): \(reason)") }
            guard !batch.kept.isEmpty else { throw DataError.malformed(file: files[0], reason: "none of the \(files.count) images could be decoded") }
            let x = entry.preprocessing.preprocessInput(batch.pixels)
            let probabilities = Trainer.predict(try net.fusedForInference(), x: x, batchSize: 16)
            let kept = batch.kept.map { files[$0] }
            print(try imageNetTopClasses(probabilities, names: kept, top: top))
            if let output {
                try writeImagePredictions(probabilities, files: kept, to: output)
                print("\(output): \(kept.count) predictions of \(entry.name) (\(path))")
            }
            return
        }
        let digits = try MNIST.load(data, split: split).prefix(limit)
        let x = Preprocessor(inputHeight: digits.height, inputWidth: digits.width, size: shape.size, mode: entry.preprocessing)(
            digits, 0..<digits.count)
        let probabilities = Trainer.predict(try net.fusedForInference(), x: x, batchSize: 16)
        print(try imageNetTopClasses(probabilities, labels: digits.labels.map(Int.init), top: top))
        if let output {
            try writePredictions(probabilities, of: digits, to: output)
            print("\(output): \(digits.count) predictions of \(entry.name) (\(path))")
        }
    }
}

/// Each input's top classes, one line per class: "digit N (label L)" then rank, wnid, name and
/// probability, as keras decode_predictions lists (wnid, name, score).
func imageNetTopClasses(_ probabilities: Tensor, labels: [Int], top: Int = 5) throws -> String {
    try imageNetTopClasses(probabilities, names: labels.enumerated().map { "digit \($0) (label \($1))" }, top: top)
}

/// The same for named inputs (image files): "NAME:" then the ranked classes.
func imageNetTopClasses(_ probabilities: Tensor, names: [String], top: Int = 5) throws -> String {
    try ImageNetClasses.decodePredictions(probabilities, top: top).enumerated().map { i, classes in
        (["\(names[i]):"] + classes.enumerated().map { rank, c in
            "  \(rank + 1). \(c.wnid) \(c.name) " + String(format: "%.4f", c.score)
        }).joined(separator: "\n")
    }.joined(separator: "\n")
}
