import ZooTensor

/// Keras `Rescaling`: x * scale + offset. `scale` and `offset` are one number each, or (Keras 3,
/// as EfficientNet's 1/sqrt(stddev) for ImageNet weights) one value per channel, broadcast along
/// the last axis.
public final class Rescaling: Layer, KerasLayer {
    public static let kerasClassName = "Rescaling"

    /// One value for every channel, or one per channel.
    public let scales: [Float], offsets: [Float]

    /// The scale and offset when one number each.
    public var scale: Float { scales[0] }
    public var offset: Float { offsets[0] }

    public init(_ name: String, scale: Float, offset: Float = 0) {
        scales = [scale]
        offsets = [offset]
        super.init(name: name)
    }

    public init(_ name: String, scales: [Float], offsets: [Float] = [0]) {
        self.scales = scales
        self.offsets = offsets
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        func values(_ key: String, default d: Float) throws -> [Float] {
            switch c[key] {
            case nil: return [d]
            case let v as [Any]:
                let values = v.compactMap { ($0 as? Double).map(Float.init) ?? ($0 as? Int).map(Float.init) }
                guard values.count == v.count, !values.isEmpty else { throw c.problem("cannot read \(key)") }
                return values
            default:
                guard let v = c.float(key) else { throw c.problem("cannot read \(key)") }
                return [v]
            }
        }
        self.init(name, scales: try values("scale", default: 1), offsets: try values("offset", default: 0))
    }

    public override var kerasConfig: [String: any Sendable] {
        func value(_ v: [Float]) -> any Sendable { v.count == 1 ? decimal(v[0]) : v.map(decimal) }
        return ["scale": value(scales), "offset": value(offsets)]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let shape = try super.build(inputShapes)
        let c = shape.last ?? 1
        guard [1, c].contains(scales.count), [1, c].contains(offsets.count) else {
            throw LayerError.argument(layer: name, problem: "scale and offset must have 1 or \(c) values")
        }
        return shape
    }

    /// x [N,...,C] -> [N,...,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        if scales.count == 1 && offsets.count == 1 {
            let (scale, offset) = (scales[0], offsets[0])
            for i in y.data.indices { y.data[i] = y.data[i] * scale + offset }
            return y
        }
        let c = y.shape.last!, (s, o) = (perChannel(scales, c), perChannel(offsets, c))
        for i in y.data.indices { y.data[i] = y.data[i] * s[i % c] + o[i % c] }
        return y
    }

    public override var differentiable: Bool { true }

    /// dy [N,...,C] -> dx = dy * scale (per channel).
    public override func backward(_ dy: Tensor) -> [Tensor] {
        var dx = dy
        let c = dx.shape.last!, s = perChannel(scales, c)
        for i in dx.data.indices { dx.data[i] *= s[i % c] }
        return [dx]
    }

    private func perChannel(_ v: [Float], _ c: Int) -> [Float] { v.count == c ? v : Array(repeating: v[0], count: c) }
}
