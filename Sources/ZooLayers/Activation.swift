import ZooTensor

/// Keras `Activation` (`layers.Activation("relu")`, as keras.applications ResNet50 uses); the
/// Swift name leaves `Activation` to the function enum. The `ReLU` and `Softmax` classes have
/// their own files, as in Keras.
public final class ActivationLayer: Layer, KerasLayer, InPlaceInference {
    public static let kerasClassName = "Activation"

    public let activation: Activation

    public init(_ name: String, _ activation: Activation) {
        self.activation = activation
        super.init(name: name)
    }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        self.init(name, try config.activation())
    }

    public override var kerasConfig: [String: any Sendable] { ["activation": activation.rawValue] }

    /// x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        applyActivation(activation, &y)
        return y
    }

    /// swish's, relu6's, gelu's and the hard ones' gradients read the input, the others' the output.
    public override var keepsInput: Bool { [.relu6, .swish, .silu, .gelu, .hardSigmoid, .hardSilu, .hardSwish].contains(activation) }
    public override var keepsOutput: Bool { [.relu, .sigmoid, .tanh].contains(activation) }

    public override var differentiable: Bool { activation != .softmax }

    public func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor {
        guard owned[0] else { return activated(activation, inputs[0]) }
        var y = inputs.take(0)
        applyActivation(activation, &y)
        return y
    }

    /// dy [N,...] -> dx [N,...].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput ?? dy, y = cachedOutput ?? dy
        return [activationBackward(activation, x: x, y: y, dy: dy)]
    }
}
