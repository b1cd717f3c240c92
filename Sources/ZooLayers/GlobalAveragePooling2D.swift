import ZooTensor

/// Keras `GlobalAveragePooling2D`.
public final class GlobalAveragePooling2D: GlobalPooling2D, KerasLayer {
    public static let kerasClassName = "GlobalAveragePooling2D"

    public convenience init(name: String, config: KerasLayerConfig) throws {
        try Self.checkConfig(config)
        self.init(name: name, keepdims: config.bool("keepdims", default: false))
    }

    /// x [N,H,W,C] -> [N,C] ([N,1,1,C] with keepdims).
    public override func forward(_ inputs: [Tensor]) -> Tensor { shaped(globalAvgPool2dForward(inputs[0])) }

    /// dy [N,C] ([N,1,1,C]) -> dx [N,H,W,C].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [globalAvgPool2dBackward(flat(dy), inputShape: cachedInput!.shape)]
    }
}
