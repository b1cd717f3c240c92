import ZooTensor

/// One variable of a layer, named as Keras names it (`kernel`, `bias`, `gamma`, `beta`,
/// `moving_mean`, `moving_variance`) and kept in Keras's shape. Its role says everything Keras
/// knows about it: the name, the names older files use, the initialiser, whether it trains.
public final class Weight {
    public let role: WeightRole
    public let shape: [Int]
    public var name: String { role.name }
    public var trainable: Bool { role.trainable }
    public var value: Tensor {
        didSet {
            precondition(value.shape == shape, "\(name): shape \(value.shape) != \(shape)")
            version &+= 1
        }
    }
    /// Bumped on every change, so caches derived from the value know when they are stale.
    public private(set) var version = 0
    /// Accumulated by `backward`, cleared by the optimizer step.
    public var gradient: Tensor?

    /// Starts at the role's constant initial value (ones or zeros); random kernels come from
    /// `Model.initializeKerasDefaults` or from a weight file.
    public init(_ role: WeightRole, shape: [Int]) {
        self.role = role
        self.shape = shape
        self.value = role.initializer.constant(shape: shape)
    }

    public var count: Int { shape.reduce(1, *) }

    /// Sets the value, refusing one of another shape (assigning `value` directly traps on that).
    public func assign(_ newValue: Tensor) throws {
        guard newValue.shape == shape else {
            throw LayerError.weightShape(weight: name, expected: shape, found: newValue.shape)
        }
        value = newValue
    }
}
