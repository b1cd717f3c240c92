import ZooTensor

/// A Keras layer: configured at init with Keras's arguments, `build` creates the weights once the
/// input shapes are known (shapes exclude the batch axis), `forward` maps batch-first tensors.
/// Every mistake a caller can make (wrong input shapes or count, arguments out of range, reusing
/// a layer where its weights do not fit) is thrown by `build`; `forward` trusts the shapes it was
/// built for, which `Model` guarantees.
open class Layer {
    public let name: String
    public internal(set) var weights: [Weight] = []

    public init(name: String) { self.name = name }

    /// The Keras class name, as in `model_config` and `model.summary()`; layers that are no
    /// Keras class (inference-time fused layers) name themselves.
    open var className: String {
        guard let keras = type(of: self) as? any KerasLayer.Type else {
            fatalError("\(type(of: self)) must name its class")
        }
        return keras.kerasClassName
    }

    /// Creates the weights and returns the output shape (without the batch axis). Layers that
    /// take one input of any shape and keep it need not override this.
    open func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1 else {
            throw LayerError.inputShape(layer: name, expected: "one input", found: inputShapes)
        }
        return inputShapes[0]
    }

    /// The layer's arguments as Keras's `get_config()` gives them (tf-keras form), without `name`.
    open var kerasConfig: [String: any Sendable] { [:] }

    /// Sets the weights `build` wants, keeping the current ones when names and shapes already
    /// match, so a built layer can be placed in another model (e.g. for export) unchanged. Weights
    /// that do not fit are never silently replaced: Keras too refuses to call a built layer on an
    /// input its weights do not fit.
    func define(_ wanted: [Weight], for inputShapes: [[Int]]) throws {
        if weights.map(\.name) == wanted.map(\.name) && weights.map(\.shape) == wanted.map(\.shape) { return }
        guard weights.isEmpty else {
            let current = weights.map { "\($0.name) \(describeShape($0.shape, batch: false))" }.joined(separator: ", ")
            throw LayerError.inputShape(layer: name, expected: "an input its weights fit (\(current))", found: inputShapes)
        }
        weights = wanted
    }

    func expectRank(_ shapes: [[Int]], _ rank: Int, _ what: String) throws {
        guard shapes.count == 1, shapes[0].count == rank else {
            throw LayerError.inputShape(layer: name, expected: what, found: shapes)
        }
    }

    /// The output height and width of a window sliding over one (height, width, channels) input.
    func windowOutput(_ inputShapes: [[Int]], window: (Int, Int), _ what: String, strides: (Int, Int),
                      padding: Padding) throws -> (rows: Int, cols: Int) {
        try expectPositive([window.0, window.1], what)
        try expectPositive([strides.0, strides.1], "strides")
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        let rows = AxisGeometry(input: inputShapes[0][0], kernel: window.0, stride: strides.0, padding: padding)
        let cols = AxisGeometry(input: inputShapes[0][1], kernel: window.1, stride: strides.1, padding: padding)
        guard rows.output > 0, cols.output > 0 else {
            throw LayerError.inputShape(layer: name, expected: "an input of at least the \(what) \(window)", found: inputShapes)
        }
        return (rows.output, cols.output)
    }

    /// Sizes, strides and the like must be positive: a zero stride would divide by zero.
    func expectPositive(_ values: [Int], _ what: String) throws {
        guard values.allSatisfy({ $0 > 0 }) else {
            throw LayerError.argument(layer: name, problem: "\(what) \(values) must be positive")
        }
    }

    /// How many values `build` would allocate for these input shapes, so that an untrusted config
    /// can be refused before the allocation.
    open func weightCount(inputShapes: [[Int]]) -> Double { 0 }

    /// Multiply-adds counted twice, per image (the usual "FLOPs"), for layers dominated by them.
    open func flops(outputShape: [Int]) -> Int { 0 }

    open func forward(_ inputs: [Tensor]) -> Tensor { inputs[0] }

    /// How this layer computes its forward pass when that was chosen from its shapes (a
    /// convolution's algorithm), for `zoo bench --profile`; nil for layers with one way.
    open var planDescription: String? { nil }

    /// Chooses the forward algorithm again by `policy`, for layers that plan one (`Conv2D`, and
    /// the fused layers that convolve through one).
    open func replan(policy: ConvPolicy) {}

    /// Frozen layers keep their weights in training (Keras's `layer.trainable = False`).
    public var trainable = true

    /// What `backward` needs of the last training forward. Only that is kept, so the model can
    /// release every other activation once its consumers have run.
    open var keepsInput: Bool { false }
    open var keepsOutput: Bool { false }
    var cachedInput: Tensor?
    var cachedOutput: Tensor?

    /// The training-time forward: keeps what `backward` uses; layers that behave differently in
    /// training (Dropout) override it.
    open func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        let y = forward(inputs)
        if training {
            cachedInput = keepsInput ? inputs[0] : nil
            cachedOutput = keepsOutput ? y : nil
        }
        return y
    }

    /// Whether `backward` is implemented for this layer's configuration.
    open var differentiable: Bool { false }

    /// Set by `Model.backward` before each `backward`: false when no input needs dL/d(input)
    /// (nothing trainable below), so `backward` may skip computing it and return [].
    public internal(set) var needsInputGradient = true

    /// Given dL/d(output) of the last training forward, accumulates dL/d(weight) into each
    /// weight's `gradient` and returns dL/d(input) for every input (or [] when
    /// `needsInputGradient` is false).
    open func backward(_ dy: Tensor) -> [Tensor] {
        preconditionFailure("\(className) \(name) has no backward pass")
    }

    func accumulate(_ w: Weight, _ g: Tensor) {
        guard trainable else { return }
        if var existing = w.gradient {
            for i in existing.data.indices { existing.data[i] += g.data[i] }
            w.gradient = existing
        } else {
            w.gradient = g
        }
    }

    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } }
    /// What Keras counts as trainable: nothing in a frozen layer, never the BatchNorm statistics.
    public var trainableCount: Int { trainable ? weights.filter(\.trainable).reduce(0) { $0 + $1.count } : 0 }

    public func weight(_ name: String) -> Weight? { weights.first { $0.name == name } }
    public func weight(_ role: WeightRole) -> Weight? { weights.first { $0.role == role } }
}

/// A float hyper-parameter as the shortest decimal that reads back to it (1.001e-05, not
/// 1.0010000035e-05), so configs we write carry the numbers Keras users typed.
public func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }
