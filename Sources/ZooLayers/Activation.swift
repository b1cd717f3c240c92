import ZooTensor

/// Keras `Activation` (`layers.Activation("relu")`, as keras.applications ResNet50 uses); the
/// Swift name leaves `Activation` to the function enum. The `ReLU` and `Softmax` classes have
/// their own files, as in Keras.
public final class ActivationLayer: Layer, KerasLayer {
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

    public override var keepsOutput: Bool { activation == .relu }

    public override var differentiable: Bool { activation == .relu || activation == .linear }

    /// dy [N,...] -> dx [N,...].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [activation == .relu ? reluBackward(y: cachedOutput!, dy: dy) : dy]
    }
}
