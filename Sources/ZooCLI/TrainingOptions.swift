import ArgumentParser
import Foundation
import ZooLayers
import ZooKeras
import ZooSupport
import ZooTensor
import ZooTraining

enum OptimizerName: String, ExpressibleByArgument, CaseIterable { case adam, sgd, rmsprop }
enum ScheduleName: String, ExpressibleByArgument, CaseIterable { case constant, step, cosine, plateau }

/// The `model.fit` options shared by every training command.
struct TrainingFlags: ParsableArguments {
    @Option(help: "Epochs to train.")
    var epochs: Int = 10

    @Option(help: "Mini-batch size (default 64 for finetune, 128 for train).")
    var batchSize: Int?

    @Option(help: "Optimizer: adam, sgd or rmsprop (Keras's defaults for everything not given here).")
    var optimizer: OptimizerName = .adam

    @Option(help: "Learning rate (default: Keras's for the optimizer: adam 0.001, sgd 0.01, rmsprop 0.001).")
    var lr: Float?

    @Option(help: "SGD momentum.")
    var momentum: Float = 0

    @Flag(help: "SGD with Nesterov momentum.")
    var nesterov = false

    @Option(help: "Learning-rate schedule per epoch: constant, step (x --step-factor every --step-every epochs), cosine (to 0 over the run) or plateau (x0.1 after 10 epochs without val_loss improvement, as ReduceLROnPlateau).")
    var schedule: ScheduleName = .constant

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
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1)") }
        if resume && checkpointDir == nil { throw ValidationError("--resume needs --checkpoint-dir") }
        guard histogramFreq >= 0 else { throw ValidationError("--histogram-freq must be 0 or more") }
        if histogramFreq > 0 && tensorboard == nil { throw ValidationError("--histogram-freq needs --tensorboard") }
        if let plot, !plot.hasSuffix(".svg") && !plot.hasSuffix(".png") {
            throw ValidationError("--plot takes a .svg or .png file name")
        }
    }

    func makeOptimizer() -> Optimizer {
        switch optimizer {
        case .adam: return .adam(learningRate: lr ?? 0.001)
        case .sgd: return .sgd(learningRate: lr ?? 0.01, momentum: momentum, nesterov: nesterov)
        case .rmsprop: return .rmsprop(learningRate: lr ?? 0.001)
        }
    }

    func options(defaultBatchSize: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = batchSize ?? defaultBatchSize
        o.validationSplit = validationSplit
        o.seed = seed
        o.earlyStopping = earlyStopping
        switch schedule {
        case .constant: o.schedule = .constant
        case .step: o.schedule = .stepDecay(every: stepEvery, factor: stepFactor)
        case .cosine: o.schedule = .cosine(epochs: epochs, minimum: 0)
        case .plateau: o.schedule = .reduceOnPlateau(factor: 0.1, patience: 10, minDelta: 1e-4, minimum: 0)
        }
        return o
    }

    /// What must match for a checkpoint to be resumed (everything but the epoch count).
    var runDescription: String {
        "optimizer=\(optimizer.rawValue) lr=\(lr.map { "\($0)" } ?? "default") momentum=\(momentum) nesterov=\(nesterov) batch=\(batchSize.map(String.init) ?? "default") validation=\(validationSplit) seed=\(seed) schedule=\(schedule.rawValue)"
    }

    /// Runs `trainer.fit` with Keras-style progress, checkpoints and resume.
    /// With `json`, stdout is reserved for the JSON result and the epoch lines go to stderr.
    /// `graph` is what TensorBoard draws (default: the trained model's).
    func fit(_ trainer: Trainer, x: Tensor, y: [Int], run: String, json: Bool = false, graph: ModelGraph? = nil) throws -> [EpochRecord] {
        let checkpoint = checkpointDir.map { $0 + "/" + Checkpoint.fileName }
        // Every output directory is checked before the first epoch, not after the last.
        if let plot { try checkWritable(plot) }
        for dir in [checkpointDir, tensorboard].compactMap({ $0 }) where !(resume && dir == checkpointDir) {
            try makeWritableDirectory(dir)
        }
        if resume, let checkpoint {
            guard FileManager.default.fileExists(atPath: checkpoint) else {
                throw ExitStatus.Failure(status: .failure, message: "\(checkpoint): no checkpoint to resume from")
            }
            trainer.restore(try Checkpoint.restore(from: checkpoint, model: trainer.model, optimizer: trainer.optimizer, run: run))
            printNotice("resuming after epoch \(trainer.state.epochsDone) from \(checkpoint)")
        }
        let board = try tensorboard.map { try TensorBoardWriter(directory: $0, histogramFreq: histogramFreq) }
        try board?.setModel(trainer.model, graph: graph)
        var bar: ProgressBar? = nil
        let history = try trainer.fit(
            x: x, y: y,
            onBatch: { done, total, _, _ in
                if bar == nil { bar = ProgressBar(label: "Epoch \(trainer.state.epochsDone + 1)/\(epochs)", total: Int64(total), unit: .images) }
                bar?.update(Int64(done))
            },
            onEpoch: { record, state in
                bar = nil
                var line = String(format: "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f", record.epoch, epochs, record.seconds,
                                  record.loss, record.accuracy)
                if let vl = record.valLoss, let va = record.valAccuracy {
                    line += String(format: " - val_loss: %.4f - val_accuracy: %.4f", vl, va)
                }
                line += String(format: " - learning_rate: %.6g", record.learningRate)
                if json { printNotice(line) } else { print(line) }
                try board?.log(record)
                if let checkpoint {
                    try Checkpoint.save(to: checkpoint, model: trainer.model, optimizer: trainer.optimizer, state: state, run: run)
                }
            })
        if let plot { try drawPlot(history, to: plot, title: run.components(separatedBy: " optimizer=").first ?? run) }
        return history
    }
}

/// The end of every training command: the model exported for Keras, the history beside it, and
/// (unless JSON was asked for) the test results as text.
func finishTraining(_ model: Model, history: [EpochRecord], test: Evaluation, output: String, json: Bool) throws {
    try exportKerasModel(model, to: output)
    try writeHistory(history, to: historyPath(output))
    guard !json else { return }
    print(String(format: "test accuracy: %.4f", test.accuracy))
    print(String(format: "test loss: %.4f", test.loss))
    print(test.table())
    print("model: \(output) (Keras full model; history: \(historyPath(output)))")
}

/// `model.h5` -> `model.history.csv`.
func historyPath(_ output: String) -> String {
    (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".history.csv"
}

/// Writes the history as CSV (Keras's CSVLogger columns), atomically.
func writeHistory(_ history: [EpochRecord], to path: String) throws {
    var csv = "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n"
    for r in history {
        csv += "\(r.epoch),\(r.loss),\(r.accuracy),\(r.valLoss.map { "\($0)" } ?? ""),\(r.valAccuracy.map { "\($0)" } ?? ""),\(r.learningRate),\(r.seconds)\n"
    }
    try writeTextAtomically(csv, to: path)
}

func writeTextAtomically(_ text: String, to path: String) throws {
    try AtomicOutput.write(Data(text.utf8), to: path)
}

/// Writes the curves as SVG, or converts them to PNG with rsvg-convert when it is installed.
func drawPlot(_ history: [EpochRecord], to path: String, title: String) throws {
    let svg = trainingCurvesSVG(history, title: title)
    guard path.hasSuffix(".png") else { return try writeTextAtomically(svg, to: path) }
    guard let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) else {
        throw ExitStatus.Failure(status: .failure, message: "\(path): PNG plots need rsvg-convert (Debian package librsvg2-bin); use a .svg file name")
    }
    let svgPath = temporaryPath("plot.svg")
    defer { unlink(svgPath) }
    try writeTextAtomically(svg, to: svgPath)
    try AtomicOutput.write(to: path) { tmp in try runTool(converter, ["-o", tmp, svgPath]) }
}

/// Runs an external converter (rsvg-convert, dot) and fails with its name if it fails.
func runTool(_ tool: String, _ arguments: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw ExitStatus.Failure(status: .failure, message: "\(URL(fileURLWithPath: tool).lastPathComponent) failed (status \(p.terminationStatus))")
    }
}
