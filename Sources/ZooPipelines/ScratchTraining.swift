import ZooData
import ZooLayers
import ZooModels
import ZooTraining

/// One of the classic MNIST models (`mlp`, `cnn`) trained from scratch on raw digits and
/// evaluated on the test split, as `zoo train` does.
public struct ScratchTraining: Sendable {
    /// `mlp` or `cnn`.
    public var model: String
    /// A MNIST directory or `mnist.npz`; nil for the built-in sample.
    public var data: String?
    /// Only the first `limit` digits of each split.
    public var limit: Int?
    public var training = FitSettings()
    /// Data augmentation in front of the model while it trains (left out of the result).
    public var augmentation: Augmentation?

    public init(_ model: String, data: String? = nil, limit: Int? = nil) {
        self.model = model
        self.data = data
        self.limit = limit
    }

    /// What `run` produces.
    public struct Result {
        public let model: Model
        public let history: [EpochRecord]
        public let test: Evaluation
        /// The class names, index = label.
        public let classNames: [String]
    }

    public func run(configuration: ZooConfiguration, monitor: PipelineMonitor = .silent) throws -> Result {
        let spec = try scratchModel(model)
        let train = try MNIST.load(data, split: .train).prefix(limit)
        let test = try MNIST.load(data, split: .test).prefix(limit)
        let net = try spec.build([train.height, train.width, 1], 10)
        net.replan(policy: configuration.convPolicy)
        net.initializeKerasDefaults(seed: training.seed)
        let augmenting = augmentation.map { !$0.steps.isEmpty } ?? false
        let trained = augmenting ? try augmentation!.trainingModel(net) : net
        let trainer = try Trainer(model: trained, optimizer: training.makeOptimizer(), options: training.options(defaultBatchSize: 128))
        var run = "train model=\(spec.name) data=\(data ?? "builtin") limit=\(limit.map(String.init) ?? "all") \(training.runDescription)"
        if augmenting { run += " augment=\(augmentation!)" }
        let history = try training.fit(trainer, x: train.tensor(0..<train.count), y: train.labels.map(Int.init), run: run,
                                       graph: net.graph, configuration: configuration, monitor: monitor)
        let evaluation = trainer.evaluate(x: test.tensor(0..<test.count), y: test.labels.map(Int.init))
        return Result(model: net, history: history, test: evaluation, classNames: try datasetClassNames(data))
    }
}
