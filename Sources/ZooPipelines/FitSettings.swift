import Foundation
import ZooLayers
import ZooTensor
import ZooTraining

/// The optimizers `model.fit` runs with here, with Keras's defaults for what is not set.
public enum OptimizerChoice: String, Sendable, CaseIterable { case adam, sgd, rmsprop }

/// Learning-rate schedules per epoch.
public enum ScheduleChoice: String, Sendable, CaseIterable { case constant, step, cosine, plateau }

/// TensorBoard event files of a run: `directory/train` and `directory/validation`, with the
/// model's graph under train.
public struct TensorBoardLogging: Sendable, Equatable {
    public var directory: String
    /// A histogram of every trained weight every N epochs from the first (Keras's
    /// `histogram_freq`); 0 writes none.
    public var histogramFreq: Int
    public init(directory: String, histogramFreq: Int = 0) {
        self.directory = directory
        self.histogramFreq = histogramFreq
    }
}

/// How a model is trained (`model.fit`'s arguments and callbacks), shared by every training
/// pipeline: optimizer, schedule, validation split, early stopping, seed, checkpoints, curves.
public struct FitSettings: Sendable {
    public var epochs = 10
    /// Mini-batch size; nil for the pipeline's default (64 for fine-tuning, 128 from scratch).
    public var batchSize: Int?
    public var optimizer = OptimizerChoice.adam
    /// nil for Keras's default of the optimizer: adam 0.001, sgd 0.01, rmsprop 0.001.
    public var learningRate: Float?
    /// SGD momentum and Nesterov momentum.
    public var momentum: Float = 0
    public var nesterov = false
    /// constant, step (x `stepFactor` every `stepEvery` epochs), cosine (to 0 over the run) or
    /// plateau (x0.1 after 10 epochs without val_loss improvement, as ReduceLROnPlateau).
    public var schedule = ScheduleChoice.constant
    public var stepEvery = 10
    public var stepFactor: Float = 0.5
    /// Fraction of the training split held out for validation, drawn at random (seeded).
    public var validationSplit = 0.1
    /// Stop after this many epochs without val_loss improvement and restore the best weights.
    public var earlyStopping: Int?
    /// Seed of initial weights, shuffling, the validation split and dropout.
    public var seed: UInt64 = 0
    /// A checkpoint is written here (atomically) after every epoch.
    public var checkpointDirectory: String?
    /// Continue from the checkpoint in `checkpointDirectory`, exactly as if never interrupted.
    public var resume = false
    /// Accuracy and loss curves: `FILE.svg`, or `FILE.png` (needs rsvg-convert).
    public var plot: String?
    public var tensorBoard: TensorBoardLogging?

    public init() {}

    public func makeOptimizer() -> Optimizer {
        switch optimizer {
        case .adam: return .adam(learningRate: learningRate ?? 0.001)
        case .sgd: return .sgd(learningRate: learningRate ?? 0.01, momentum: momentum, nesterov: nesterov)
        case .rmsprop: return .rmsprop(learningRate: learningRate ?? 0.001)
        }
    }

    public func options(defaultBatchSize: Int) -> TrainingOptions {
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
    public var runDescription: String {
        "optimizer=\(optimizer.rawValue) lr=\(learningRate.map { "\($0)" } ?? "default") momentum=\(momentum) nesterov=\(nesterov) batch=\(batchSize.map(String.init) ?? "default") validation=\(validationSplit) seed=\(seed) schedule=\(schedule.rawValue)"
    }

    /// Runs `trainer.fit` with progress, checkpoints, resume, TensorBoard logs and the plot.
    /// `run` describes the whole run; a checkpoint of another run is refused. `graph` is what
    /// TensorBoard draws (default: the trained model's).
    public func fit(
        _ trainer: Trainer, x: Tensor, y: [Int], run: String, graph: ModelGraph? = nil, initialEpoch: Int = 0,
        configuration: ZooConfiguration, monitor: PipelineMonitor = .silent
    ) throws -> [EpochRecord] {
        let checkpoint = checkpointDirectory.map { $0 + "/" + Checkpoint.fileName }
        // Every output directory is checked before the first epoch, not after the last.
        if let plot { try checkWritable(plot) }
        for dir in [checkpointDirectory, tensorBoard?.directory].compactMap({ $0 }) where !(resume && dir == checkpointDirectory) {
            try makeWritableDirectory(dir)
        }
        if resume, let checkpoint {
            guard FileManager.default.fileExists(atPath: checkpoint) else { throw PipelineError.noCheckpoint(file: checkpoint) }
            try configuration.checkCheckpoint?(checkpoint)
            trainer.restore(try Checkpoint.restore(from: checkpoint, model: trainer.model, optimizer: trainer.optimizer, run: run))
            monitor.notice("resuming after epoch \(trainer.state.epochsDone) from \(checkpoint)")
        }
        let board = try tensorBoard.map { try TensorBoardWriter(directory: $0.directory, histogramFreq: $0.histogramFreq, initialEpoch: initialEpoch) }
        try board?.setModel(trainer.model, graph: graph)
        var bar: (any ProgressDisplay)? = nil
        let history = try trainer.fit(
            x: x, y: y,
            onBatch: { done, total, _, _ in
                if bar == nil { bar = monitor.progress("Epoch \(trainer.state.epochsDone + 1)/\(epochs)", Int64(total), .images) }
                bar?.update(Int64(done), total: nil)
            },
            onEpoch: { record, state in
                bar = nil
                monitor.epoch(record, epochs)
                try board?.log(record)
                if let checkpoint {
                    try Checkpoint.save(to: checkpoint, model: trainer.model, optimizer: trainer.optimizer, state: state, run: run)
                }
            })
        if let plot {
            try drawPlot(history, to: plot, title: run.components(separatedBy: " optimizer=").first ?? run,
                         configuration: configuration)
        }
        return history
    }
}
