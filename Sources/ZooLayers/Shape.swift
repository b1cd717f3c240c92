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

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        applyActivation(activation, &y)
        return y
    }
}

/// Keras `Add`: the sum of two or more same-shaped inputs.
public final class Add: Layer {
    public override var className: String { "Add" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2, inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs of one shape", found: inputShapes)
        }
        return inputShapes[0]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor { addForward(inputs) }
}

/// Keras `Flatten`: NHWC is already row-major (H, W, C), so only the shape changes.
public final class Flatten: Layer {
    public override var className: String { "Flatten" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        [inputShapes[0].reduce(1, *)]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        inputs[0].reshaped([inputs[0].shape[0], inputs[0].count / max(inputs[0].shape[0], 1)])
    }
}

/// Keras `Dropout`: the identity at inference.
public final class Dropout: Layer {
    public let rate: Float

    public init(_ name: String, rate: Float) {
        self.rate = rate
        super.init(name: name)
    }

    public override var className: String { "Dropout" }
}
