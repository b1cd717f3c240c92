import ZooTensor

/// Keras `InputLayer`: the model's input placeholder, of one fixed shape (without the batch axis).
public final class InputLayer: Layer, KerasLayer {
    public static let kerasClassName = "InputLayer"
    public static var inputCount: ClosedRange<Int> { 0...0 }

    public let shape: [Int]

    public init(name: String, shape: [Int]) {
        self.shape = shape
        super.init(name: name)
    }

    /// tf-keras writes `batch_input_shape`, Keras 3 `batch_shape`; a Sequential config without an
    /// InputLayer keeps it on its first layer, so this reads any layer's config.
    public convenience init(name: String, config: KerasLayerConfig) throws {
        let raw = (config["batch_input_shape"] ?? config["batch_shape"]) as? [Any] ?? []
        let dims = raw.dropFirst().compactMap { $0 as? Int }
        guard dims.count == raw.count - 1, !dims.isEmpty else {
            throw config.problem("the input has no fixed shape (\(raw))")
        }
        try config.checkSizes(dims, "input shape")
        self.init(name: name, shape: dims)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["batch_input_shape": [Optional<Int>.none] + shape.map { Optional($0) }, "dtype": "float32", "sparse": false, "ragged": false]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.isEmpty else {
            throw LayerError.inputShape(layer: name, expected: "no inputs (it is the model's input)", found: inputShapes)
        }
        guard !shape.isEmpty else { throw LayerError.argument(layer: name, problem: "the input shape is empty") }
        try expectPositive(shape, "input shape")
        return shape
    }
}
