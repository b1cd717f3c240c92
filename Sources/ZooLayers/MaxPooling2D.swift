import ZooTensor

/// Keras `MaxPooling2D`.
public final class MaxPooling2D: Pooling2D, KerasLayer {
    public static let kerasClassName = "MaxPooling2D"

    public init(_ name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        super.init(name: name, poolSize: poolSize, strides: strides, padding: padding)
    }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        let a = try Self.arguments(config)
        self.init(name, poolSize: a.poolSize, strides: a.strides, padding: a.padding)
    }

    /// x [N,H,W,C] -> [N,OH,OW,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        maxPool2dForward(inputs[0], pool: poolSize, strides: strides, padding: padding)
    }

    /// dy [N,OH,OW,C] -> dx [N,H,W,C], to each window's maximum.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [maxPool2dBackward(cachedInput!, dy: dy, pool: poolSize, strides: strides, padding: padding)]
    }
}
