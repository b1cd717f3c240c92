import ZooData
import ZooLayers
import ZooModels
import ZooTensor
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
    /// Splitting and decoding when `data` is a folder of class subfolders, and the images'
    /// height and width (resized as Keras's image_size) and color mode there.
    public var images = ImageDataSettings()
    public var imageSize = 28
    public var colorMode = ColorMode.grayscale
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
        let (xTrain, yTrain, xTest, yTest, classes) = try arrays(monitor: monitor)
        let net = try spec.build(Array(xTrain.shape.dropFirst()), classes)
        net.replan(policy: configuration.convPolicy)
        net.initializeKerasDefaults(seed: training.seed)
        let augmenting = augmentation.map { !$0.steps.isEmpty } ?? false
        let trained = augmenting ? try augmentation!.trainingModel(net) : net
        let trainer = try Trainer(model: trained, optimizer: training.makeOptimizer(), options: training.options(defaultBatchSize: 128))
        var run = "train model=\(spec.name) data=\(data ?? "builtin") limit=\(limit.map(String.init) ?? "all") \(training.runDescription)"
        if augmenting { run += " augment=\(augmentation!)" }
        let history = try training.fit(trainer, x: xTrain, y: yTrain, run: run, graph: net.graph, configuration: configuration,
                                       monitor: monitor)
        let evaluation = trainer.evaluate(x: xTest, y: yTest)
        return Result(model: net, history: history, test: evaluation, classNames: try datasetClassNames(data))
    }

    /// Both splits as raw-pixel tensors with labels, and the class count: MNIST digits, or an
    /// image folder's images at `imageSize` in `colorMode`.
    func arrays(monitor: PipelineMonitor) throws -> (Tensor, [Int], Tensor, [Int], Int) {
        if let data, isImageFolder(data) {
            func split(_ s: Split) throws -> (x: Tensor, labels: [Int], classNames: [String]) {
                try loadImageSplit(data, split: s, limit: limit, settings: images, height: imageSize, width: imageSize,
                                   colorMode: colorMode, warn: monitor.notice)
            }
            let (train, test) = (try split(.train), try split(.test))
            return (train.x, train.labels, test.x, test.labels, train.classNames.count)
        }
        let train = try MNIST.load(data, split: .train).prefix(limit)
        let test = try MNIST.load(data, split: .test).prefix(limit)
        return (train.tensor(0..<train.count), train.labels.map(Int.init), test.tensor(0..<test.count), test.labels.map(Int.init), 10)
    }
}
