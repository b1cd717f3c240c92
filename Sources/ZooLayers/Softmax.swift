import ZooTensor

/// Keras `Softmax` over the last axis. Not differentiable on its own: training differentiates a
/// softmax only fused with cross-entropy, in a Dense output layer.
public final class Softmax: Layer, KerasLayer {
    public static let kerasClassName = "Softmax"

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let axis = c.axis()
        guard axis == -1 else { throw c.unsupported("axis \(axis)") }
        self.init(name: name)
    }

    public override var kerasConfig: [String: any Sendable] { ["axis": -1] }

    /// x [N,...,K] -> [N,...,K], each last-axis row summing to one.
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        applyActivation(.softmax, &y)
        return y
    }
}
