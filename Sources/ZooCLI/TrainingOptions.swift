import ArgumentParser
import Foundation
import ZooLayers
import ZooKeras
import ZooModels
import ZooPipelines
import ZooSupport
import ZooTensor
import ZooTraining

extension OptimizerChoice: ExpressibleByArgument {}
extension ScheduleChoice: ExpressibleByArgument {}

/// The `model.fit` options shared by every training command.
struct TrainingFlags: ParsableArguments {
    @Option(help: "Epochs to train.")
    var epochs: Int = 10

    @Option(help: "Mini-batch size (default 64 for finetune, 128 for train).")
    var batchSize: Int?

    @Option(help: "Optimizer: adam, sgd or rmsprop (Keras's defaults for everything not given here).")
    var optimizer: OptimizerChoice = .adam

    @Option(help: "Learning rate (default: Keras's for the optimizer: adam 0.001, sgd 0.01, rmsprop 0.001).")
    var lr: Float?

    @Option(help: "SGD momentum.")
    var momentum: Float = 0

    @Flag(help: "SGD with Nesterov momentum.")
    var nesterov = false

    @Option(help: "Learning-rate schedule per epoch: constant, step (x --step-factor every --step-every epochs), cosine (to 0 over the run) or plateau (x0.1 after 10 epochs without val_loss improvement, as ReduceLROnPlateau).")
    var schedule: ScheduleChoice = .constant

    @Option(help: "Epochs between steps of the step schedule.")
    var stepEvery: Int = 10

    @Option(help: "Factor of the step schedule.")
    var stepFactor: Float = 0.5

    @Option(help: "Fraction of the training split held out for validation, drawn at random (seeded).")
    var validationSplit: Double = 0.1

    @Option(help: "Stop after N epochs without val_loss improvement and restore the best weights.")
    var earlyStopping: Int?

    @Option(help: "Seed for initial weights, shuffling, the validation split and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Directory for a checkpoint written after every epoch (atomically).")
    var checkpointDir: String?

    @Flag(help: "Continue from the checkpoint in --checkpoint-dir, exactly as if never interrupted.")
    var resume = false

    @Option(help: "Draw accuracy and loss curves (train and validation, per epoch) to FILE.svg, or FILE.png (needs rsvg-convert).")
    var plot: String?

    @Option(help: "Write TensorBoard event files (epoch_loss, epoch_accuracy, epoch_learning_rate) under DIR/train and DIR/validation, and the model's graph with Keras's layer names under DIR/train (finetune: the whole exported model), as Keras's TensorBoard callback does.")
    var tensorboard: String?

    @Option(help: "With --tensorboard, a histogram of every weight of the model being trained (finetune: the head, and the unfrozen layers with --unfreeze) every N epochs from the first (Keras's histogram_freq); 0 writes none.")
    var histogramFreq: Int = 0

    func validate() throws {
        guard epochs > 0, batchSize ?? 1 > 0 else { throw ValidationError("--epochs and --batch-size must be positive") }
        try checkPositiveFinite(lr, flag: "--lr")
        try checkRange(momentum, 0...1, flag: "--momentum")  // Keras's own range
        guard stepEvery > 0 else { throw ValidationError("--step-every must be positive, got \(stepEvery)") }
        try checkPositiveFinite(stepFactor, flag: "--step-factor")
        if let earlyStopping, earlyStopping < 0 { throw ValidationError("--early-stopping must be 0 or more, got \(earlyStopping)") }
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1)") }
        if resume && checkpointDir == nil { throw ValidationError("--resume needs --checkpoint-dir") }
        guard histogramFreq >= 0 else { throw ValidationError("--histogram-freq must be 0 or more") }
        if histogramFreq > 0 && tensorboard == nil { throw ValidationError("--histogram-freq needs --tensorboard") }
        if let plot, !plot.hasSuffix(".svg") && !plot.hasSuffix(".png") {
            throw ValidationError("--plot takes a .svg or .png file name")
        }
    }

    /// The flags as the pipelines take them.
    var settings: FitSettings {
        var s = FitSettings()
        s.epochs = epochs
        s.batchSize = batchSize
        s.optimizer = optimizer
        s.learningRate = lr
        s.momentum = momentum
        s.nesterov = nesterov
        s.schedule = schedule
        s.stepEvery = stepEvery
        s.stepFactor = stepFactor
        s.validationSplit = validationSplit
        s.earlyStopping = earlyStopping
        s.seed = seed
        s.checkpointDirectory = checkpointDir
        s.resume = resume
        s.plot = plot
        s.tensorBoard = tensorboard.map { TensorBoardLogging(directory: $0, histogramFreq: histogramFreq) }
        return s
    }
}

/// The end of every training command: the model exported for Keras, the history beside it, and
/// (unless JSON was asked for) the test results as text.
func finishTraining(_ model: Model, history: [EpochRecord], test: Evaluation, output: String, json: Bool) throws {
    try export(model, history: history, to: output)
    guard !json else { return }
    print(String(format: "test accuracy: %.4f", test.accuracy))
    print(String(format: "test loss: %.4f", test.loss))
    print(test.table())
    print("model: \(output) (Keras full model; history: \(historyPath(output)))")
}

func writeTextAtomically(_ text: String, to path: String) throws {
    try AtomicOutput.write(Data(text.utf8), to: path)
}

/// Runs an external converter (rsvg-convert, dot) and fails with its name if it fails.
func runTool(_ tool: String, _ arguments: [String]) throws {
    try ZooPipelines.runTool(tool, arguments)
}

extension TrainingFlags {
    /// Refuses, before any work, a batch whose training activations in `model` would not fit in memory.
    func checkMemory(_ model: Model, defaultBatchSize: Int, what: String) throws {
        try checkActivationMemory(floatsPerImage: model.trainingFloatsPerImage, batch: batchSize ?? defaultBatchSize, what: what)
    }
}

/// `zoo finetune`'s second-stage flags, checked before any features are computed (the features
/// of both splits can take minutes): the rates and epochs, `--unfreeze` against the backbone's
/// layers with weights (what it counts, as `Model.split(belowTopWeighted:)` does), and the
/// memory its training batch needs.
func checkUnfreezeFlags(model name: String, size: Int, pooling: Pooling, unfreeze: Int, backboneLr: Float,
                        unfreezeEpochs: Int?, training: TrainingFlags, alpha: Double? = nil, minimalistic: Bool = false) throws {
    try checkPositiveFinite(backboneLr, flag: "--backbone-lr")
    if let unfreezeEpochs, unfreezeEpochs <= 0 { throw ValidationError("--unfreeze-epochs must be positive, got \(unfreezeEpochs)") }
    // The variant's own layers: MobileNetV3's minimalistic one has no squeeze-and-excite convolutions.
    let backbone = try catalogueEntry(name).resolved(alpha: alpha, minimalistic: minimalistic, size: size).build((size, size), false, pooling)
    let weighted = backbone.nodes.filter { !$0.layer.weights.isEmpty }.count
    guard (0...weighted).contains(unfreeze) else {
        throw ValidationError("--unfreeze must be in 0...\(weighted) for \(name.lowercased()) (its layers with weights), got \(unfreeze)")
    }
    guard unfreeze > 0 else { return }
    let upper = try backbone.split(belowTopWeighted: unfreeze).upper
    try training.checkMemory(upper, defaultBatchSize: 64, what: "training the top \(unfreeze) layers of \(name.lowercased()) at \(size)x\(size)")
}
