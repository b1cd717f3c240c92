import ZooTensor

/// Keras `RandomTranslation`: each image shifted by a draw from `heightFactor` x its height and
/// one from `widthFactor` x its width (positive: down and right).
public final class RandomTranslation: BaseImagePreprocessingLayer, KerasLayer {
    public static let kerasClassName = "RandomTranslation"

    public let heightFactor: (lower: Float, upper: Float)
    public let widthFactor: (lower: Float, upper: Float)
    public let fillMode: FillMode
    public let interpolation: ImageInterpolation
    public let fillValue: Float

    public init(_ name: String, heightFactor: (Float, Float), widthFactor: (Float, Float), fillMode: FillMode = .reflect,
                interpolation: ImageInterpolation = .bilinear, fillValue: Float = 0, seed: Int? = nil) {
        self.heightFactor = heightFactor
        self.widthFactor = widthFactor
        self.fillMode = fillMode
        self.interpolation = interpolation
        self.fillValue = fillValue
        super.init(name, seed: seed)
    }

    /// `RandomTranslation(f, f)`.
    public convenience init(_ name: String, factor: Float, seed: Int? = nil) {
        let range = (-abs(factor), abs(factor))
        self.init(name, heightFactor: range, widthFactor: range, seed: seed)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let bounds: ClosedRange<Float> = -0.999999...1
        guard let height = try factorRange(c, "height_factor", bounds: bounds),
              let width = try factorRange(c, "width_factor", bounds: bounds) else {
            throw c.problem("height_factor and width_factor are required")
        }
        let (fill, interpolation, value) = try affineOptions(c)
        self.init(name, heightFactor: height, widthFactor: width, fillMode: fill, interpolation: interpolation,
                  fillValue: value, seed: configSeed(c))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["height_factor": [decimal(heightFactor.lower), decimal(heightFactor.upper)],
         "width_factor": [decimal(widthFactor.lower), decimal(widthFactor.upper)], "fill_mode": fillMode.rawValue,
         "interpolation": interpolation.rawValue, "fill_value": decimal(fillValue), "seed": seed]
    }

    /// (dx, dy) in pixels per image: the height draw first, as Keras draws them.
    public func draw(batch: Int, height: Int, width: Int) -> [(dx: Float, dy: Float)] {
        (0..<batch).map { _ in
            let dy = uniform(heightFactor.lower, heightFactor.upper) * Float(height)
            return (uniform(widthFactor.lower, widthFactor.upper) * Float(width), dy)
        }
    }

    public override func augment(_ x: Tensor) -> Tensor {
        translate(x, shifts: draw(batch: x.shape[0], height: x.shape[1], width: x.shape[2]))
    }

    /// x [N,H,W,C] with image i shifted by `shifts[i]` pixels.
    public func translate(_ x: Tensor, shifts: [(dx: Float, dy: Float)]) -> Tensor {
        affineTransform(x, transforms: shifts.map { [1, 0, -$0.dx, 0, 1, -$0.dy, 0, 0] }, interpolation: interpolation,
                        fillMode: fillMode, fillValue: fillValue)
    }
}
