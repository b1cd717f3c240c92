import ZooTensor

/// Keras `ReLU`: max_value caps the output (6 gives MobileNet's ReLU6), below `threshold` the
/// output is negative_slope * (x - threshold).
public final class ReLU: Layer, KerasLayer, InPlaceInference {
    public static let kerasClassName = "ReLU"

    public let maxValue: Float?
    public let negativeSlope: Float
    public let threshold: Float

    public init(name: String, maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0) {
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
        super.init(name: name)
    }

    /// Keras refuses negative values for all three.
    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let maxValue = c.float("max_value"), slope = c.float("negative_slope") ?? 0, threshold = c.float("threshold") ?? 0
        if c["max_value"] != nil && maxValue == nil { throw c.problem("cannot read max_value") }
        for (key, value) in [("max_value", maxValue ?? 0), ("negative_slope", slope), ("threshold", threshold)]
        where !(value >= 0 && value.isFinite) {
            throw c.problem("\(key) \(value) must be a non-negative number")
        }
        self.init(name: name, maxValue: maxValue, negativeSlope: slope, threshold: threshold)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["max_value": maxValue.map(decimal), "negative_slope": decimal(negativeSlope), "threshold": decimal(threshold)]
    }

    /// Fusion folds only this ReLU into a convolution's epilogue.
    var isPlain: Bool { maxValue == nil && negativeSlope == 0 && threshold == 0 }

    /// x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        if isPlain {
            applyActivation(.relu, &y)
        } else {
            reluInPlace(&y, maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold)
        }
        return y
    }

    public func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor {
        guard owned[0] else { return isPlain ? activated(.relu, inputs[0]) : forward(inputs) }
        var y = inputs.take(0)
        if isPlain {
            applyActivation(.relu, &y)
        } else {
            reluInPlace(&y, maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold)
        }
        return y
    }

    public override var keepsInput: Bool { !isPlain }
    public override var keepsOutput: Bool { isPlain }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx [N,...]: dy where the output follows x, slope * dy below the threshold,
    /// zero at the cap.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        guard !isPlain else { return [reluBackward(y: cachedOutput!, dy: dy)] }
        return [reluBackward(x: cachedInput!, dy: dy, maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold)]
    }
}
