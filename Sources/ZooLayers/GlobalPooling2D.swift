import ZooTensor

/// What `GlobalAveragePooling2D` and `GlobalMaxPooling2D` share (Keras's `BaseGlobalPooling`):
/// (height, width, channels) -> (channels), or (1, 1, channels) with `keepdims` (MobileNet's top).
/// Not a Keras class itself.
public class GlobalPooling2D: Layer {
    public let keepdims: Bool

    public init(name: String, keepdims: Bool = false) {
        self.keepdims = keepdims
        super.init(name: name)
    }

    /// Checks what a global pooling config may ask for.
    static func checkConfig(_ c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
    }

    public override var kerasConfig: [String: any Sendable] { ["data_format": "channels_last", "keepdims": keepdims] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return keepdims ? [1, 1, inputShapes[0][2]] : [inputShapes[0][2]]
    }

    /// [N,C] from the pooling -> the layer's output, [N,1,1,C] with keepdims.
    func shaped(_ y: Tensor) -> Tensor { keepdims ? y.reshaped([y.shape[0], 1, 1, y.shape[1]]) : y }

    /// The layer's dy -> the pooling's [N,C].
    func flat(_ dy: Tensor) -> Tensor { keepdims ? dy.reshaped([dy.shape[0], dy.count / max(1, dy.shape[0])]) : dy }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }
}
