import ZooTensor

/// Keras `Rescaling`: x * scale + offset, with one scale and offset for every channel.
public final class Rescaling: Layer, KerasLayer {
    public static let kerasClassName = "Rescaling"

    public let scale: Float, offset: Float

    public init(_ name: String, scale: Float, offset: Float = 0) {
        self.scale = scale
        self.offset = offset
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let scale = c.float("scale") else { throw c.unsupported("per-channel scale") }
        self.init(name, scale: scale, offset: c.float("offset") ?? 0)
    }

    public override var kerasConfig: [String: any Sendable] { ["scale": decimal(scale), "offset": decimal(offset)] }

    /// x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        for i in y.data.indices { y.data[i] = y.data[i] * scale + offset }
        return y
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx = dy * scale.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        var dx = dy
        for i in dx.data.indices { dx.data[i] *= scale }
        return [dx]
    }
}
