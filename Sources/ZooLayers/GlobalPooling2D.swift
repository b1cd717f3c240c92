import ZooTensor

/// What `GlobalAveragePooling2D` and `GlobalMaxPooling2D` share (Keras's `BaseGlobalPooling`):
/// (height, width, channels) -> (channels). Not a Keras class itself.
public class GlobalPooling2D: Layer {
    /// Checks what a global pooling config may ask for.
    static func checkConfig(_ c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        if c.bool("keepdims", default: false) { throw c.unsupported("keepdims") }
    }

    public override var kerasConfig: [String: any Sendable] { ["data_format": "channels_last", "keepdims": false] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return [inputShapes[0][2]]
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }
}
