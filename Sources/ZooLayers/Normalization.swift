import ZooTensor

/// Keras `Normalization` on the channel axis (EfficientNet's `axis=3`): (x - mean) /
/// max(sqrt(variance), 1e-7). The statistics come from the config when it gives them, else
/// from the weights `mean`, `variance` and `count` that `adapt` fills (none of them trainable;
/// count, an int64 in files, only records how many samples `adapt` saw, but Keras counts it
/// as a parameter).
public final class Normalization: Layer, KerasLayer {
    public static let kerasClassName = "Normalization"
    public static let mean = WeightRole("mean", initializer: .zeros, trainable: false)
    public static let variance = WeightRole("variance", initializer: .ones, trainable: false)
    public static let count = WeightRole("count", initializer: .zeros, trainable: false)

    /// Keras's `backend.epsilon()`, the floor of the standard deviation.
    static let epsilon: Float = 1e-7

    /// The config's own statistics (one value for every channel, or one per channel), or nil
    /// for the adapted weights.
    public let given: (mean: [Float], variance: [Float])?

    public init(name: String, mean: [Float]? = nil, variance: [Float]? = nil) {
        given = mean.flatMap { m in variance.map { (m, $0) } }
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let axes: [Int]
        switch c["axis"] {
        case nil: axes = [-1]
        case let a as Int: axes = [a]
        case let a as [Int]: axes = a
        default: throw c.problem("cannot read axis")
        }
        guard axes == [-1] || axes == [3] else { throw c.unsupported("axis \(axes)") }
        if c.bool("invert", default: false) { throw c.unsupported("invert") }
        func statistic(_ key: String) throws -> [Float]? {
            switch c[key] {
            case nil: return nil
            case let v as [Any]:
                let values = v.compactMap { ($0 as? Double).map(Float.init) ?? ($0 as? Int).map(Float.init) }
                guard values.count == v.count, !values.isEmpty else { throw c.problem("cannot read \(key)") }
                return values
            default:
                guard let v = c.float(key) else { throw c.problem("cannot read \(key)") }
                return [v]
            }
        }
        let mean = try statistic("mean"), variance = try statistic("variance")
        guard (mean == nil) == (variance == nil) else { throw c.problem("mean and variance must be given together") }
        self.init(name: name, mean: mean, variance: variance)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["axis": [-1], "invert": false, "mean": given.map { $0.mean.map(decimal) }, "variance": given.map { $0.variance.map(decimal) }]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let c = inputShapes[0].last else {
            throw LayerError.inputShape(layer: name, expected: "one input", found: inputShapes)
        }
        if let given {
            guard [1, c].contains(given.mean.count), [1, c].contains(given.variance.count) else {
                throw LayerError.argument(layer: name, problem: "mean and variance must have 1 or \(c) values")
            }
        } else {
            try define([Weight(Self.mean, shape: [c]), Weight(Self.variance, shape: [c]), Weight(Self.count, shape: [])],
                       for: inputShapes)
        }
        return inputShapes[0]
    }

    /// Per channel: the shift -mean and the scale 1 / max(sqrt(variance), epsilon), for c channels.
    private func affine(_ c: Int) -> (shift: [Float], scale: [Float]) {
        let mean = given?.mean ?? weight(Self.mean)!.value.data, variance = given?.variance ?? weight(Self.variance)!.value.data
        return ((0..<c).map { -mean[mean.count == 1 ? 0 : $0] },
                (0..<c).map { 1 / max(variance[variance.count == 1 ? 0 : $0].squareRoot(), Self.epsilon) })
    }

    /// x [N,...,C] -> [N,...,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        let c = y.shape.last!, (shift, scale) = affine(c)
        for i in y.data.indices { y.data[i] = (y.data[i] + shift[i % c]) * scale[i % c] }
        return y
    }

    public override var differentiable: Bool { true }

    /// dy [N,...,C] -> dx [N,...,C], dy times each channel's scale.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        var dx = dy
        let c = dx.shape.last!, scale = affine(c).scale
        for i in dx.data.indices { dx.data[i] *= scale[i % c] }
        return [dx]
    }
}
