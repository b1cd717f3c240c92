import ArgumentParser
import Foundation
import ZooData
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines
import ZooTensor
import ZooTraining

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new classifier head on a frozen catalogue backbone (VGG, ResNet), evaluate it, and export the whole model for Keras.",
        discussion: """
            Backbone features of both splits come from the feature cache (computed on first use), so \
            trying another head or optimizer never runs the backbone again. The output is a Keras \
            full-model .h5 that takes raw 28x28x1 digits (0-255) and contains its own preprocessing; \
            tf-keras and Keras 3 load it with load_model, and its history is written as CSV beside it.
            """)

    @Option(help: ArgumentHelp("The backbone, a catalogue model: \(catalogueModelList) (`zoo catalogue`)."))
    var model: String

    @OptionGroup var source: FeatureSourceOptions
    @OptionGroup var training: TrainingFlags
    @OptionGroup var augmentation: AugmentFlag

    @Option(help: "Units of the hidden Dense (ReLU) layer of the head; 0 for a single softmax layer.")
    var hidden: Int = 256

    @Option(help: "Dropout rate before the softmax layer.")
    var dropout: Float = 0.5

    @Option(help: "After training the head, train the top N weighted layers of the backbone together with it (Keras's second fine-tuning stage). BatchNormalization stays in inference mode, as Keras recommends for fine-tuning; features below the unfrozen part come from the cache.")
    var unfreeze: Int = 0

    @Option(help: "Learning rate of the unfreeze stage, for the unfrozen layers and the head.")
    var backboneLr: Float = 1e-5

    @Option(help: "Epochs of the unfreeze stage (default: --epochs).")
    var unfreezeEpochs: Int?

    @Option(help: "The fine-tuned model, written atomically: Keras full-model HDF5, or a Keras 3 archive when the name ends in .keras; the class names are stored in it.")
    var output: String = "finetuned.h5"

    @Flag(help: "Print the result (test accuracy, loss, per-class accuracy, confusion matrix, history) as JSON.")
    var json = false

    struct Result: Encodable {
        let model: String
        let output: String
        let history: [EpochRecord]
        let test: Evaluation
        let featureSeconds: Double
        let cacheHits: Int
        let classNames: [String]
        let augment: String?
        let testByClass: NamedEvaluation
    }

    func validate() throws {
        try checkBackboneName(model)
        try checkBackboneSize(model, size: source.size)
        try checkAlphaOption(model, source.alpha)
        try checkMinimalisticOption(model, alpha: source.alpha, source.minimalistic)
        guard hidden >= 0, (0..<1).contains(dropout) else { throw ValidationError("--hidden must be >= 0 and --dropout in [0, 1)") }
        try checkUnfreezeFlags(model: model, size: source.size, pooling: source.pooling, unfreeze: unfreeze, backboneLr: backboneLr,
                               unfreezeEpochs: unfreezeEpochs, training: training, alpha: source.alpha, minimalistic: source.minimalistic)
    }

    func run() throws {
        try checkWritable(output)
        var finetuning = FineTuning(features: source.source(model: model, seed: training.seed))
        finetuning.hidden = hidden
        finetuning.dropout = dropout
        finetuning.training = training.settings
        finetuning.unfreeze = unfreeze
        finetuning.backboneLearningRate = backboneLr
        finetuning.unfreezeEpochs = unfreezeEpochs
        finetuning.augmentation = augmentation.augmentation
        let result = try withUntrainedHint { try finetuning.run(configuration: zooConfiguration, monitor: cliMonitor(json: json)) }
        try finishTraining(result.model, history: result.history, test: result.test, classNames: result.classNames,
                           output: output, json: json)
        if json {
            try printJSON(Result(model: model, output: output, history: result.history, test: result.test,
                                 featureSeconds: result.featureSeconds, cacheHits: result.cacheHits, classNames: result.classNames,
                                 augment: finetuning.augmentation?.description,
                                 testByClass: NamedEvaluation(result.test, classNames: result.classNames)))
        }
    }
}
