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

    @OptionGroup var images: DataOptions

    @Option(help: "With --data an image folder: the height and width images are resized to (Keras's image_size).")
    var imageSize: Int = 28

    @Option(help: "With --data an image folder: grayscale, rgb or rgba (Keras's color_mode).")
    var colorMode: ColorMode = .grayscale

    @OptionGroup var training: TrainingFlags
    @OptionGroup var augmentation: AugmentFlag

    @Option(help: "The trained model, written atomically: Keras full-model HDF5, or a Keras 3 archive when the name ends in .keras; the class names are stored in it and the history CSV goes beside it.")
    var output: String = "trained.h5"

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Result: Encodable {
        let model: String
        let output: String
        let history: [EpochRecord]
        let test: Evaluation
        let classNames: [String]
        let augment: String?
        let testByClass: NamedEvaluation
    }

    func validate() throws {
        try checkModelName(model, among: scratchCatalogue.map(\.name))
        guard imageSize > 0 else { throw ValidationError("--image-size must be positive") }
        // MNIST digits are 28x28x1; an image folder's images come at --image-size in --color-mode.
        let shape = isImageFolder(data) ? [imageSize, imageSize, colorMode.channels] : [28, 28, 1]
        try training.checkMemory(try scratchModel(model).build(shape, 10), defaultBatchSize: 128, what: "training \(model)")
    }

    func run() throws {
        try checkWritable(output)
        var scratch = ScratchTraining(model, data: data, limit: limit)
        scratch.images = images.settings
        scratch.imageSize = imageSize
        scratch.colorMode = colorMode
        scratch.training = training.settings
        scratch.augmentation = augmentation.augmentation
        let result = try scratch.run(configuration: zooConfiguration, monitor: cliMonitor(json: json))
        try finishTraining(result.model, history: result.history, test: result.test, classNames: result.classNames,
                           output: output, json: json)
        if json {
            try printJSON(Result(model: try scratchModel(model).name, output: output, history: result.history, test: result.test,
                                 classNames: result.classNames, augment: scratch.augmentation?.description,
                                 testByClass: NamedEvaluation(result.test, classNames: result.classNames)))
        }
    }
}
