import ZooTensor

/// Keras `ReLU` with its defaults (no `max_value`, `negative_slope` or `threshold`).
public final class ReLU: Layer, KerasLayer {
    public static let kerasClassName = "ReLU"

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard c["max_value"] == nil, (c.float("negative_slope") ?? 0) == 0, (c.float("threshold") ?? 0) == 0 else {
            throw c.unsupported("max_value/negative_slope/threshold")
        }
        self.init(name: name)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["max_value": Optional<Double>.none, "negative_slope": 0.0, "threshold": 0.0]
    }

    /// x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        applyActivation(.relu, &y)
        return y
    }

    public override var keepsOutput: Bool { true }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx [N,...], zero where the output is.
    public override func backward(_ dy: Tensor) -> [Tensor] { [reluBackward(y: cachedOutput!, dy: dy)] }
}
