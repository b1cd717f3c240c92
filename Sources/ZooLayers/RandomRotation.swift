import Foundation
import ZooTensor

/// Keras `RandomRotation`: each image turned about its centre by an angle drawn from
/// `factor` x 360 degrees (factor 0.1: up to 36 degrees either way), bilinear, reflected at the
/// edges by default.
public final class RandomRotation: BaseImagePreprocessingLayer, KerasLayer {
    public static let kerasClassName = "RandomRotation"

    /// The range of the angle as a fraction of a full turn.
    public let factor: (lower: Float, upper: Float)
    public let fillMode: FillMode
    public let interpolation: ImageInterpolation
    public let fillValue: Float

    public init(_ name: String, factor: (Float, Float), fillMode: FillMode = .reflect,
                interpolation: ImageInterpolation = .bilinear, fillValue: Float = 0, seed: Int? = nil) {
        self.factor = factor
        self.fillMode = fillMode
        self.interpolation = interpolation
        self.fillValue = fillValue
        super.init(name, seed: seed)
    }

    /// `RandomRotation(f)`: (-f, f).
    public convenience init(_ name: String, factor: Float, seed: Int? = nil) {
        self.init(name, factor: (-abs(factor), abs(factor)), seed: seed)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let factor = try factorRange(c, "factor", bounds: -1...1) else { throw c.problem("factor is required") }
        let (fill, interpolation, value) = try affineOptions(c)
        self.init(name, factor: factor, fillMode: fill, interpolation: interpolation, fillValue: value, seed: configSeed(c))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["factor": [decimal(factor.lower), decimal(factor.upper)], "fill_mode": fillMode.rawValue,
         "interpolation": interpolation.rawValue, "fill_value": decimal(fillValue), "seed": seed]
    }

    /// Angles in degrees, one per image.
    public func draw(batch: Int) -> [Float] { (0..<batch).map { _ in uniform(factor.lower * 360, factor.upper * 360) } }

    public override func augment(_ x: Tensor) -> Tensor { rotate(x, degrees: draw(batch: x.shape[0])) }

    /// x [N,H,W,C] with image i rotated by `degrees[i]` (counter-clockwise for positive angles
    /// as the image is displayed).
    public func rotate(_ x: Tensor, degrees: [Float]) -> Tensor {
        let (h, w) = (x.shape[1], x.shape[2])
        return affineTransform(x, transforms: degrees.map { Self.matrix(degrees: $0, height: h, width: w) },
                               interpolation: interpolation, fillMode: fillMode, fillValue: fillValue)
    }

    /// Keras's `_compute_affine_matrix` for a rotation about the centre ((w - 1) / 2, (h - 1) / 2).
    public static func matrix(degrees: Float, height: Int, width: Int) -> ImageTransform {
        let angle = degrees * Float(Double.pi / 180)
        let (cx, cy) = (0.5 * (Float(width) - 1), 0.5 * (Float(height) - 1))
        let (cosine, sine) = (cos(angle), sin(angle))
        let (a0, a1, b0, b1) = (cosine, -sine, sine, cosine)
        return [a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0, 0]
    }
}
