import ZooTensor

/// Keras `Flatten`: NHWC is already row-major (H, W, C), so only the shape changes.
public final class Flatten: Layer, KerasLayer {
    public static let kerasClassName = "Flatten"

    public convenience init(name: String, config: KerasLayerConfig) throws {
        self.init(name: name)
    }

    public override var kerasConfig: [String: any Sendable] { ["data_format": "channels_last"] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        [try super.build(inputShapes).reduce(1, *)]
    }

    /// x [N,...] -> [N, product of the rest].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        inputs[0].reshaped([inputs[0].shape[0], inputs[0].count / max(inputs[0].shape[0], 1)])
    }

    /// Only its shape is used; it shares its storage with the output.
    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    /// dy [N,F] -> dx of the input's shape.
    public override func backward(_ dy: Tensor) -> [Tensor] { [dy.reshaped(cachedInput!.shape)] }
}
