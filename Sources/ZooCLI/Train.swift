import ArgumentParser
import Foundation
import ZooData
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines
import ZooTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one of the classic MNIST models from scratch (mlp or cnn), evaluate it and export it for Keras.",
        discussion: """
            mlp: Flatten, Dense 512 ReLU, Dense 256 ReLU, Dense 10 softmax. cnn: Conv2D 32 3x3 ReLU, \
            Conv2D 64 3x3 ReLU, MaxPooling 2x2, Dropout 0.25, Flatten, Dense 128 ReLU, Dropout 0.5, \
            Dense 10 softmax. Both scale raw 0-255 digits inside the model (Rescaling 1/255), so the \
            exported Keras file takes raw digits.
            """)

    @Option(help: "The model: mlp or cnn.")
    var model: String

    @Option(help: "A MNIST directory (train-*/t10k-* IDX files) or mnist.npz. Default: the built-in sample.")
    var data: String?

    @Option(help: "Use only the first N digits of each split.")
    var limit: Int?

    @OptionGroup var training: TrainingFlags

    @Option(help: "The trained model (Keras full-model HDF5), written atomically; the history CSV goes beside it.")
    var output: String = "trained.h5"

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Result: Encodable {
        let model: String
        let output: String
        let history: [EpochRecord]
        let test: Evaluation
    }

    func validate() throws {
        try checkModelName(model, among: scratchCatalogue.map(\.name))
        try training.checkMemory(try scratchModel(model).build([28, 28, 1], 10), defaultBatchSize: 128, what: "training \(model)")
    }

    func run() throws {
        try checkWritable(output)
        var scratch = ScratchTraining(model, data: data, limit: limit)
        scratch.training = training.settings
        let result = try scratch.run(configuration: zooConfiguration, monitor: cliMonitor(json: json))
        try finishTraining(result.model, history: result.history, test: result.test, output: output, json: json)
        if json { try printJSON(Result(model: try scratchModel(model).name, output: output, history: result.history, test: result.test)) }
    }
}
