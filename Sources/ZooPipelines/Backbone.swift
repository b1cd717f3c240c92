import ZooKeras
import ZooLayers
import ZooModels

/// Where a backbone's weights come from.
public enum BackboneWeights: Sendable, Equatable {
    /// The official ImageNet file (no top) from the Keras cache, downloaded there first if needed.
    case official
    /// A Keras weight file: `.h5` of any Keras version, `.weights.h5` or `.keras`.
    case file(String)
    /// Keras's default initialisation (glorot_uniform kernels, zero biases), seeded.
    case untrained(seed: UInt64)
}

/// A catalogue model without its top, as a frozen feature extractor: `keras.applications.<Model>(
/// include_top=False, weights=..., input_shape=(size, size, 3), pooling=...)`.
public struct Backbone: Sendable {
    /// The catalogue name: `vgg16` or `resnet50`.
    public var model: String
    public var weights: BackboneWeights
    /// Input height and width; MNIST's 28x28 digits are resized to it (at least 32).
    public var size: Int
    public var pooling: Pooling
    /// Keras's width multiplier, for the catalogue models that take one (MobileNet V1/V2); nil
    /// for their default 1.0, and for every other model.
    public var alpha: Double?
    /// Keras's `minimalistic` variant, for the catalogue models that take it (MobileNetV3).
    public var minimalistic = false

    public init(_ model: String, weights: BackboneWeights = .official, size: Int = 32, pooling: Pooling = .avg,
                alpha: Double? = nil, minimalistic: Bool = false) {
        self.model = model
        self.weights = weights
        self.size = size
        self.pooling = pooling
        self.alpha = alpha
        self.minimalistic = minimalistic
    }

    /// The catalogue entry at this backbone's alpha, variant and size (which pick MobileNet's weight file).
    public func entry() throws -> CatalogueEntry {
        try catalogueEntry(model).resolved(alpha: alpha, minimalistic: minimalistic, size: size)
    }

    /// The architecture, with no weights set.
    public func build() throws -> Model { try entry().build((size, size), false, pooling) }

    /// The architecture with its weights loaded (checked: every weight must fit) or initialised.
    public func load(configuration: ZooConfiguration, monitor: PipelineMonitor = .silent) throws -> Model {
        let m = try build()
        m.replan(policy: configuration.convPolicy)
        try fill(m, weightsPath: weightsPath(configuration: configuration, monitor: monitor), configuration: configuration,
                 monitor: monitor)
        return m
    }

    /// The weight file in use: the given one, or the official one resolved through the Keras
    /// cache; nil when untrained.
    public func weightsPath(configuration: ZooConfiguration, monitor: PipelineMonitor = .silent) throws -> String? {
        switch weights {
        case .official: return try configuration.officialWeights(entry(), includeTop: false, monitor: monitor)
        case let .file(path): return path
        case .untrained: return nil
        }
    }

    /// The initialisation seed of an untrained backbone (unused otherwise).
    var untrainedSeed: UInt64 {
        if case let .untrained(seed) = weights { return seed }
        return 0
    }

    func fill(_ backbone: Model, weightsPath: String?, configuration: ZooConfiguration, monitor: PipelineMonitor) throws {
        if let weightsPath {
            try loadWeights(into: backbone, from: configuration.openKerasFile(weightsPath)).check()
        } else {
            monitor.notice("\(backbone.name) is not pretrained: Keras default initialisation, seed \(untrainedSeed)")
            backbone.initializeKerasDefaults(seed: untrainedSeed)
        }
    }
}
