import ZooTensor

/// Keras `GlobalAveragePooling2D`.
public final class GlobalAveragePooling2D: GlobalPooling2D, KerasLayer {
    public static let kerasClassName = "GlobalAveragePooling2D"

    public convenience init(name: String, config: KerasLayerConfig) throws {
        try Self.checkConfig(config)
        self.init(name: name)
    }

    /// x [N,H,W,C] -> [N,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor { globalAvgPool2dForward(inputs[0]) }

    /// dy [N,C] -> dx [N,H,W,C].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [globalAvgPool2dBackward(dy, inputShape: cachedInput!.shape)]
    }
}
