import Foundation
import ZooData
import ZooLayers
import ZooModels
import ZooTensor
import ZooTraining

/// Fine-tuning a catalogue backbone on MNIST digits, as `zoo finetune` does: a classifier head
/// (Dense ReLU, Dropout, Dense softmax) trained on cached backbone features, optionally a second
/// stage that trains the top `unfreeze` weighted layers of the backbone together with the head
/// (Keras's fine-tuning recipe, BatchNormalization kept in inference mode), and an evaluation on
/// the test split. The result is one model from raw 28x28x1 digits to class probabilities.
public struct FineTuning: Sendable {
    public var features: FeatureSource
    /// Units of the head's hidden Dense (ReLU) layer; 0 for a single softmax layer.
    public var hidden = 256
    /// Dropout rate before the softmax layer.
    public var dropout: Float = 0.5
    public var training = FitSettings()
    /// Weighted backbone layers trained in the second stage (0: none, only the head is trained).
    public var unfreeze = 0
    /// Learning rate of the second stage, for the unfrozen layers and the head.
    public var backboneLearningRate: Float = 1e-5
    /// Epochs of the second stage; nil for `training.epochs`.
    public var unfreezeEpochs: Int?
    /// Data augmentation in front of the backbone. With it the backbone runs on every epoch's
    /// augmented batches (frozen or not, as Keras's transfer-learning guide trains); without it
    /// the frozen stage trains on cached features.
    public var augmentation: Augmentation?

    public init(_ backbone: Backbone, data: String? = nil, limit: Int? = nil) {
        self.init(features: FeatureSource(backbone: backbone, data: data, limit: limit))
    }

    public init(features: FeatureSource) {
        self.features = features
    }

    /// What `run` produces.
    public struct Result {
        /// The whole classifier: resizing and preprocessing layers, the backbone, the head.
        public let model: Model
        /// Both stages' epochs, numbered on.
        public let history: [EpochRecord]
        /// The test split's evaluation of the final model.
        public let test: Evaluation
        /// The test evaluation before unfreezing (the same as `test` without a second stage).
        public let frozenTest: Evaluation
        /// Seconds spent getting the features of both splits (from the cache, or computed).
        public let featureSeconds: Double
        /// How many of the two splits' features came from the cache.
        public let cacheHits: Int
        /// The class names, index = label.
        public let classNames: [String]
    }

    /// `training` with the checkpoint, resume and epochs of the second stage.
    var unfreezeTraining: FitSettings {
        var fit = training
        fit.epochs = unfreezeEpochs ?? training.epochs
        fit.checkpointDirectory = training.checkpointDirectory.map { $0 + "/unfreeze" }
        fit.resume = training.resume
            && fit.checkpointDirectory.map { FileManager.default.fileExists(atPath: $0 + "/" + Checkpoint.fileName) } == true
        return fit
    }

    public func run(configuration: ZooConfiguration, monitor: PipelineMonitor = .silent) throws -> Result {
        if let augmentation, !augmentation.steps.isEmpty {
            return try runAugmented(augmentation, configuration: configuration, monitor: monitor)
        }
        let backbone = features.backbone
        let start = Date()
        var hits = 0
        func split(_ split: Split) throws -> FeatureSet {
            let (set, extracted) = try features.load(split, configuration: configuration, monitor: monitor)
            if extracted.cacheHit { hits += 1 }
            monitor.notice("\(split.rawValue) features \(extracted.cacheHit ? "from the cache" : "computed"): \(extracted.path)")
            return set
        }
        let train = try split(.train), test = try split(.test)
        let featureSeconds = Date().timeIntervalSince(start)

        let shape = try features.dataShape()
        let head = try classifierHead(features: train.features.shape[1], hidden: hidden, dropout: dropout, classes: shape.classes)
        head.initializeKerasDefaults(seed: training.seed &+ 0x4EAD)
        let net = try backbone.load(configuration: configuration, monitor: monitor)
        for layer in net.layers { layer.trainable = false }  // frozen, as Keras users freeze it
        // The classifier shares the head's and the backbone's layers, so it holds what they learn.
        let full = try digitClassifier(name: "zoo_\(backbone.model)_classifier", backbone: net, head: head,
                                       digitShape: shape.inputShape, preprocessing: try backbone.entry().preprocessing)
        let trainer = try Trainer(model: head, optimizer: training.makeOptimizer(), options: training.options(defaultBatchSize: 64))
        let run = "finetune model=\(backbone.model) size=\(backbone.size) pooling=\(backbone.pooling.rawValue) hidden=\(hidden) dropout=\(dropout) \(training.runDescription)"
        var history = try training.fit(trainer, x: train.features, y: train.labels, run: run, graph: full.graph,
                                       configuration: configuration, monitor: monitor)
        let frozen = trainer.evaluate(x: test.features, y: test.labels)
        var evaluation = frozen
        if unfreeze > 0 {
            let upper = try net.split(belowTopWeighted: unfreeze).upper
            for layer in upper.layers.dropFirst() { layer.trainable = true }
            func cut(_ split: Split) throws -> Tensor {
                let f = try features.load(split, belowTopWeighted: unfreeze, configuration: configuration, monitor: monitor).0.features
                return f.reshaped([f.shape[0]] + upper.inputShape)
            }
            let (xTrain, xTest) = (try cut(.train), try cut(.test))
            let stage = try Model.chain(name: "finetune_unfrozen", [upper, head])
            let fit = unfreezeTraining
            let optimizer = fit.makeOptimizer()
            optimizer.learningRate = backboneLearningRate
            let unfrozenNames = upper.weightedLayers.map(\.name).joined(separator: ", ")
            monitor.report("unfreezing \(upper.weightedLayers.count) layers (\(unfrozenNames)) at learning rate \(backboneLearningRate)")
            let second = try Trainer(model: stage, optimizer: optimizer, options: fit.options(defaultBatchSize: 64))
            let offset = history.count
            history += try fit.fit(second, x: xTrain, y: train.labels, run: run + " unfreeze=\(unfreeze) backbone_lr=\(backboneLearningRate)",
                                   graph: full.graph, initialEpoch: offset, configuration: configuration, monitor: monitor)
                .map { var r = $0; r.epoch += offset; return r }
            evaluation = second.evaluate(x: xTest, y: test.labels)
            monitor.report(String(format: "frozen-backbone test accuracy: %.4f; after unfreezing: %.4f", frozen.accuracy, evaluation.accuracy))
        }
        return Result(model: full, history: history, test: evaluation, frozenTest: frozen, featureSeconds: featureSeconds,
                      cacheHits: hits, classNames: try features.classNames())
    }

    /// Both stages on raw digits through the augmentation layers and the whole classifier: the
    /// frozen layers run forward in inference mode, the trainer updates the head (and the
    /// unfrozen layers).
    func runAugmented(_ augmentation: Augmentation, configuration: ZooConfiguration, monitor: PipelineMonitor) throws -> Result {
        let backbone = features.backbone
        let train = try MNIST.load(features.data, split: .train).prefix(features.limit)
        let test = try MNIST.load(features.data, split: .test).prefix(features.limit)
        let net = try backbone.load(configuration: configuration, monitor: monitor)
        for layer in net.layers { layer.trainable = false }
        let head = try classifierHead(features: net.outputShape.reduce(1, *), hidden: hidden, dropout: dropout)
        head.initializeKerasDefaults(seed: training.seed &+ 0x4EAD)
        let full = try digitClassifier(name: "zoo_\(backbone.model)_classifier", backbone: net, head: head,
                                       digitShape: [train.height, train.width, 1], preprocessing: try backbone.entry().preprocessing)
        // Only the head trains in the first stage; everything below it runs as one frozen block.
        let headLayers = head.weightedLayers.count
        let trained = try augmentation.trainingModel(full, trainingTopWeighted: headLayers)
        let (x, y) = (train.tensor(0..<train.count), train.labels.map(Int.init))
        let run = "finetune model=\(backbone.model) size=\(backbone.size) pooling=\(backbone.pooling.rawValue) hidden=\(hidden) dropout=\(dropout) augment=\(augmentation) \(training.runDescription)"
        monitor.report("augmenting (\(augmentation)): the backbone runs on every epoch's \(train.count) augmented digits")
        let trainer = try Trainer(model: trained, optimizer: training.makeOptimizer(), options: training.options(defaultBatchSize: 64))
        var history = try training.fit(trainer, x: x, y: y, run: run, graph: full.graph, configuration: configuration, monitor: monitor)
        let frozen = try evaluate(full, on: test)
        var evaluation = frozen
        if unfreeze > 0 {
            let upper = try net.split(belowTopWeighted: unfreeze).upper
            for layer in upper.layers.dropFirst() { layer.trainable = true }
            let fit = unfreezeTraining
            let optimizer = fit.makeOptimizer()
            optimizer.learningRate = backboneLearningRate
            let unfrozenNames = upper.weightedLayers.map(\.name).joined(separator: ", ")
            monitor.report("unfreezing \(upper.weightedLayers.count) layers (\(unfrozenNames)) at learning rate \(backboneLearningRate)")
            let unfrozen = try augmentation.trainingModel(full, trainingTopWeighted: headLayers + unfreeze)
            let second = try Trainer(model: unfrozen, optimizer: optimizer, options: fit.options(defaultBatchSize: 64))
            let offset = history.count
            history += try fit.fit(second, x: x, y: y, run: run + " unfreeze=\(unfreeze) backbone_lr=\(backboneLearningRate)",
                                   graph: full.graph, initialEpoch: offset, configuration: configuration, monitor: monitor)
                .map { var r = $0; r.epoch += offset; return r }
            evaluation = try evaluate(full, on: test)
            monitor.report(String(format: "frozen-backbone test accuracy: %.4f; after unfreezing: %.4f", frozen.accuracy, evaluation.accuracy))
        }
        return Result(model: full, history: history, test: evaluation, frozenTest: frozen, featureSeconds: 0, cacheHits: 0,
                      classNames: try features.classNames())
    }
}
