import ZooTensor

/// Keras `GlobalMaxPooling2D`.
public final class GlobalMaxPooling2D: GlobalPooling2D, KerasLayer {
    public static let kerasClassName = "GlobalMaxPooling2D"

    public convenience init(name: String, config: KerasLayerConfig) throws {
        try Self.checkConfig(config)
        self.init(name: name, keepdims: config.bool("keepdims", default: false))
    }

    /// x [N,H,W,C] -> [N,C] ([N,1,1,C] with keepdims).
    public override func forward(_ inputs: [Tensor]) -> Tensor { shaped(globalMaxPool2dForward(inputs[0])) }

    /// dy [N,C] -> dx [N,H,W,C], to each channel's maximum.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [globalMaxPool2dBackward(cachedInput!, dy: flat(dy))]
    }
}
