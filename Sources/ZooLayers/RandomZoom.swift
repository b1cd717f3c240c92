import ZooTensor

/// Keras `RandomZoom`: each image scaled about its centre by 1 + a draw from `heightFactor`
/// (and `widthFactor`, or the same draw when it is nil); a positive draw zooms out.
public final class RandomZoom: BaseImagePreprocessingLayer, KerasLayer {
    public static let kerasClassName = "RandomZoom"

    public let heightFactor: (lower: Float, upper: Float)
    public let widthFactor: (lower: Float, upper: Float)?
    public let fillMode: FillMode
    public let interpolation: ImageInterpolation
    public let fillValue: Float

    public init(_ name: String, heightFactor: (Float, Float), widthFactor: (Float, Float)? = nil, fillMode: FillMode = .reflect,
                interpolation: ImageInterpolation = .bilinear, fillValue: Float = 0, seed: Int? = nil) {
        self.heightFactor = heightFactor
        self.widthFactor = widthFactor
        self.fillMode = fillMode
        self.interpolation = interpolation
        self.fillValue = fillValue
        super.init(name, seed: seed)
    }

    /// `RandomZoom(f)`: both axes by one draw from (-f, f).
    public convenience init(_ name: String, factor: Float, seed: Int? = nil) {
        self.init(name, heightFactor: (-abs(factor), abs(factor)), seed: seed)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        // Keras refuses factors of -1 or less (a zoom of 0) and above 1.
        let bounds: ClosedRange<Float> = -0.999999...1
        guard let height = try factorRange(c, "height_factor", bounds: bounds) else { throw c.problem("height_factor is required") }
        let (fill, interpolation, value) = try affineOptions(c)
        self.init(name, heightFactor: height, widthFactor: try factorRange(c, "width_factor", bounds: bounds), fillMode: fill,
                  interpolation: interpolation, fillValue: value, seed: configSeed(c))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["height_factor": [decimal(heightFactor.lower), decimal(heightFactor.upper)],
         "width_factor": widthFactor.map { [decimal($0.lower), decimal($0.upper)] }, "fill_mode": fillMode.rawValue,
         "interpolation": interpolation.rawValue, "fill_value": decimal(fillValue), "seed": seed]
    }

    /// (height zoom, width zoom) per image, each 1 + a draw from its factor.
    public func draw(batch: Int) -> [(height: Float, width: Float)] {
        (0..<batch).map { _ in
            let h = uniform(1 + heightFactor.lower, 1 + heightFactor.upper)
            return (h, widthFactor.map { uniform(1 + $0.lower, 1 + $0.upper) } ?? h)
        }
    }

    public override func augment(_ x: Tensor) -> Tensor { zoom(x, zooms: draw(batch: x.shape[0])) }

    /// x [N,H,W,C] with image i zoomed by `zooms[i]` (Keras's `_get_zoom_matrix`).
    public func zoom(_ x: Tensor, zooms: [(height: Float, width: Float)]) -> Tensor {
        let (h, w) = (Float(x.shape[1]), Float(x.shape[2]))
        let transforms: [ImageTransform] = zooms.map { z in
            [z.width, 0, (w - 1) / 2 * (1 - z.width), 0, z.height, (h - 1) / 2 * (1 - z.height), 0, 0]
        }
        return affineTransform(x, transforms: transforms, interpolation: interpolation, fillMode: fillMode, fillValue: fillValue)
    }
}
