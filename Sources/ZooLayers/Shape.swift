import ZooTensor

/// Keras `Activation`, and the `ReLU` and `Softmax` layer classes (which Keras keeps separate).
public final class ActivationLayer: Layer {
    public let activation: Activation
    private let kerasClass: String

    public init(_ name: String, _ activation: Activation, className: String = "Activation") {
        self.activation = activation
        self.kerasClass = className
        super.init(name: name)
    }

    public override var className: String { kerasClass }

    public override var kerasConfig: [String: any Sendable] {
        switch kerasClass {
        case "ReLU": return ["max_value": Optional<Double>.none, "negative_slope": 0.0, "threshold": 0.0]
        case "Softmax": return ["axis": -1]
        default: return ["activation": activation.rawValue]
        }
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        applyActivation(activation, &y)
        return y
    }

    public override var keepsOutput: Bool { activation == .relu }

    public override var differentiable: Bool { activation == .relu || activation == .linear }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        [activation == .relu ? reluBackward(y: cachedOutput!, dy: dy) : dy]
    }
}

/// Keras `Add`: the sum of two or more same-shaped inputs. `relu` is only set by inference
/// fusion (an Add followed by a ReLU, as at the end of every ResNet block).
public final class Add: Layer {
    public var relu = false

    public override var className: String { "Add" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2, inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs of one shape", found: inputShapes)
        }
        return inputShapes[0]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        addForward(inputs, relu: relu)
    }

    private var inputCount = 2

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        inputCount = inputs.count
        return addForward(inputs)
    }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] { Array(repeating: dy, count: inputCount) }
}

/// Keras `Flatten`: NHWC is already row-major (H, W, C), so only the shape changes.
public final class Flatten: Layer {
    public override var className: String { "Flatten" }

    public override var kerasConfig: [String: any Sendable] { ["data_format": "channels_last"] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        [try super.build(inputShapes).reduce(1, *)]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        inputs[0].reshaped([inputs[0].shape[0], inputs[0].count / max(inputs[0].shape[0], 1)])
    }

    /// Only its shape is used; it shares its storage with the output.
    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] { [dy.reshaped(cachedInput!.shape)] }
}

/// Keras `Dropout`: the identity at inference.
public final class Dropout: Layer {
    public var rate: Float

    public init(_ name: String, rate: Float) {
        self.rate = rate
        super.init(name: name)
    }

    public override var className: String { "Dropout" }

    public override var kerasConfig: [String: any Sendable] { ["rate": decimal(rate)] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard rate >= 0 && rate < 1 else {
            throw LayerError.argument(layer: name, problem: "rate \(rate) must be in [0, 1)")
        }
        return try super.build(inputShapes)
    }

    /// The mask's random stream; seeded by the trainer and saved in checkpoints.
    public var generator = SeededGenerator(seed: 0)
    private var mask: [Float] = []

    /// Inverted dropout, as Keras: keep with probability 1 - rate and scale by 1 / (1 - rate),
    /// so inference is the identity.
    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training, rate > 0 else { return inputs[0] }
        mask = dropoutMask(count: inputs[0].count, rate: rate, state: &generator.state)
        return multiplied(inputs[0], by: mask)
    }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        guard rate > 0, mask.count == dy.count else { return [dy] }
        return [multiplied(dy, by: mask)]
    }
}
