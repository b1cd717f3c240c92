import ZooTensor

/// Keras `AveragePooling2D` (with `same` padding, the average over the window's valid part).
public final class AveragePooling2D: Pooling2D, KerasLayer {
    public static let kerasClassName = "AveragePooling2D"

    public init(_ name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        super.init(name: name, poolSize: poolSize, strides: strides, padding: padding)
    }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        let a = try Self.arguments(config)
        self.init(name, poolSize: a.poolSize, strides: a.strides, padding: a.padding)
    }

    /// x [N,H,W,C] -> [N,OH,OW,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        avgPool2dForward(inputs[0], pool: poolSize, strides: strides, padding: padding)
    }

    /// dy [N,OH,OW,C] -> dx [N,H,W,C], spread evenly over each window.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [avgPool2dBackward(dy, inputShape: cachedInput!.shape, pool: poolSize, strides: strides, padding: padding)]
    }
}
