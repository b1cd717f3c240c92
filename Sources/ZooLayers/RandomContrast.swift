import Foundation
import ZooTensor

/// Keras `RandomContrast`: each image's deviation from its per-channel mean scaled by a draw
/// from (1 - lower, 1 + upper), then clipped to `valueRange`. Keras 3 reads a single factor f as
/// (0, f), so `RandomContrast(0.1)` only ever raises contrast, by up to 10%.
public final class RandomContrast: BaseImagePreprocessingLayer, KerasLayer {
    public static let kerasClassName = "RandomContrast"

    public let factor: (lower: Float, upper: Float)
    public let valueRange: (Float, Float)

    public init(_ name: String, factor: (Float, Float), valueRange: (Float, Float) = (0, 255), seed: Int? = nil) {
        self.factor = factor
        self.valueRange = valueRange
        super.init(name, seed: seed)
    }

    /// `RandomContrast(f)`: Keras's (max(-f, 0), f).
    public convenience init(_ name: String, factor: Float, seed: Int? = nil) {
        self.init(name, factor: (0, abs(factor)), seed: seed)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let factor = try factorRange(c, "factor", bounds: 0...1) else { throw c.problem("factor is required") }
        var range: (Float, Float) = (0, 255)
        if let pair = c["value_range"] as? [Any] {
            let v = pair.compactMap { ($0 as? NSNumber)?.floatValue }
            guard v.count == 2, v[0] < v[1] else { throw c.problem("value_range must be (low, high) with low < high") }
            range = (v[0], v[1])
        }
        try c.requireChannelsLast()
        self.init(name, factor: factor, valueRange: range, seed: configSeed(c))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["factor": [decimal(factor.lower), decimal(factor.upper)],
         "value_range": [decimal(valueRange.0), decimal(valueRange.1)], "seed": seed]
    }

    /// Contrast factors, one per image.
    public func draw(batch: Int) -> [Float] { (0..<batch).map { _ in uniform(1 - factor.lower, 1 + factor.upper) } }

    public override func augment(_ x: Tensor) -> Tensor { adjust(x, factors: draw(batch: x.shape[0])) }

    /// x [N,H,W,C] with image i's contrast scaled by `factors[i]`: (x - mean) * f + mean per
    /// channel, the mean over rows then columns as Keras takes it, clipped to `valueRange`.
    public func adjust(_ x: Tensor, factors: [Float]) -> Tensor {
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        var y = x
        for (b, f) in factors.enumerated() {
            let base = b * h * w * c
            for ch in 0..<c {
                var mean: Float = 0
                for col in 0..<w {
                    var column: Float = 0
                    for row in 0..<h { column += x.data[base + (row * w + col) * c + ch] }
                    mean += column / Float(h)
                }
                mean /= Float(w)
                for i in stride(from: base + ch, to: base + h * w * c, by: c) {
                    y.data[i] = min(max((x.data[i] - mean) * f + mean, valueRange.0), valueRange.1)
                }
            }
        }
        return y
    }
}
