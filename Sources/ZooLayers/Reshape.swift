import ZooTensor

/// Keras `Reshape`: the same values under `target_shape` (batch axis excluded; one -1 is
/// inferred), as MobileNet's top turns [1,1,classes] into [classes].
public final class Reshape: Layer, KerasLayer {
    public static let kerasClassName = "Reshape"

    public let targetShape: [Int]

    public init(name: String, targetShape: [Int]) {
        self.targetShape = targetShape
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let shape = c["target_shape"] as? [Int], !shape.isEmpty else { throw c.problem("cannot read target_shape") }
        try c.checkSizes(shape.filter { $0 != -1 }, "target_shape")
        guard shape.filter({ $0 == -1 }).count <= 1 else { throw c.problem("target_shape \(shape) has more than one -1") }
        self.init(name: name, targetShape: shape)
    }

    public override var kerasConfig: [String: any Sendable] { ["target_shape": targetShape] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let count = try super.build(inputShapes).reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        var shape = targetShape
        if let free = shape.firstIndex(of: -1), known > 0, count % known == 0 { shape[free] = count / known }
        guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == count else {
            throw LayerError.inputShape(layer: name, expected: "an input of as many values as target_shape \(targetShape)",
                                        found: inputShapes)
        }
        outputShape = shape
        return shape
    }

    private var outputShape: [Int] = []

    /// x [N,...] -> [N, ...target_shape].
    public override func forward(_ inputs: [Tensor]) -> Tensor { inputs[0].reshaped([inputs[0].shape[0]] + outputShape) }

    /// Only its shape is used; it shares its storage with the output.
    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    /// dy [N, ...target_shape] -> dx of the input's shape.
    public override func backward(_ dy: Tensor) -> [Tensor] { [dy.reshaped(cachedInput!.shape)] }
}
