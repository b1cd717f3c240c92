import ZooTensor

/// What `MaxPooling2D` and `AveragePooling2D` share (Keras's `BasePooling`): a window sliding
/// over (height, width), with its config. Not a Keras class itself.
public class Pooling2D: Layer {
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    /// `strides` defaults to the pool size, as in Keras.
    init(name: String, poolSize: (Int, Int), strides: (Int, Int)?, padding: Padding) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        super.init(name: name)
    }

    /// The arguments a pooling config gives, with Keras's defaults.
    static func arguments(_ c: KerasLayerConfig) throws -> (poolSize: (Int, Int), strides: (Int, Int), padding: Padding) {
        try c.requireChannelsLast()
        let pool = try c.pair("pool_size", default: (2, 2))
        return (pool, try c.pair("strides", default: pool), try c.padding())
    }

    public override var kerasConfig: [String: any Sendable] {
        ["pool_size": [poolSize.0, poolSize.1], "strides": [strides.0, strides.1], "padding": padding.rawValue,
         "data_format": "channels_last"]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let (rows, cols) = try windowOutput(inputShapes, window: poolSize, "pool size", strides: strides, padding: padding)
        return [rows, cols, inputShapes[0][2]]
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }
}
