import Foundation
import ZooTensor

/// What Keras's `BaseImagePreprocessingLayer` gives its augmentation layers: the identity at
/// inference, a random transformation per image in training (drawn from `generator`, which the
/// trainer seeds), channels-last (height, width, channels) inputs of any size.
open class BaseImagePreprocessingLayer: Layer, RandomLayer {
    /// Keras's `seed` argument, kept for the config; the stream itself is `generator`.
    public let seed: Int?
    public var generator: SeededGenerator

    public init(_ name: String, seed: Int?) {
        self.seed = seed
        self.generator = SeededGenerator(seed: UInt64(bitPattern: Int64(seed ?? 0)))
        super.init(name: name)
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return inputShapes[0]
    }

    /// The batch transformed by freshly drawn transformations; subclasses implement it.
    open func augment(_ x: Tensor) -> Tensor { x }

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        training ? augment(inputs[0]) : inputs[0]
    }

    // No backward: augmentation sits below every trainable weight (Keras puts it first), where
    // `Model.backward` never differentiates (weights to train below it would stop at its check).

    /// `keras.random.uniform(minval: low, maxval: high)`: one draw in [low, high).
    public func uniform(_ low: Float, _ high: Float) -> Float {
        let u = Float(generator.next() >> 40) / Float(1 << 24)
        return low + (high - low) * u
    }
}

/// A factor range as Keras's augmentation layers read it: a number f is (-f, f) (or, clamped to
/// `bounds`, (max(-f, lower bound), f)), a pair is sorted; nil when the key is absent or null.
func factorRange(_ c: KerasLayerConfig, _ key: String, bounds: ClosedRange<Float>) throws -> (Float, Float)? {
    let value = c[key]
    if value == nil || value is NSNull { return nil }
    if let pair = value as? [Any] {
        let numbers = pair.compactMap { ($0 as? NSNumber)?.floatValue }
        guard numbers.count == 2, pair.count == 2 else { throw c.problem("\(key) must be a number or a pair of numbers") }
        let (low, high) = (numbers.min()!, numbers.max()!)
        guard low <= bounds.upperBound, high >= bounds.lowerBound else {
            throw c.problem("\(key) \(numbers) is out of range \(bounds)")
        }
        return (low, high)
    }
    guard let f = c.float(key) else { throw c.problem("\(key) must be a number or a pair of numbers") }
    guard bounds.contains(f) else { throw c.problem("\(key) \(f) is out of range \(bounds)") }
    return (max(-abs(f), bounds.lowerBound), abs(f))
}

/// The fill mode and interpolation of the affine augmentation layers.
func affineOptions(_ c: KerasLayerConfig) throws -> (FillMode, ImageInterpolation, Float) {
    guard let fill = FillMode(rawValue: c["fill_mode"] as? String ?? "reflect") else {
        throw c.problem("fill_mode must be one of \(FillMode.allCases.map(\.rawValue))")
    }
    guard let interpolation = ImageInterpolation(rawValue: c["interpolation"] as? String ?? "bilinear") else {
        throw c.problem("interpolation must be bilinear or nearest")
    }
    try c.requireChannelsLast()
    return (fill, interpolation, c.float("fill_value") ?? 0)
}

func configSeed(_ c: KerasLayerConfig) -> Int? { (c["seed"] as? NSNumber)?.intValue }
