import ZooTensor

/// Keras `Add`: the sum of two or more same-shaped inputs.
public final class Add: Layer, KerasLayer, InPlaceInference {
    public static let kerasClassName = "Add"
    public static var inputCount: ClosedRange<Int> { 2...Int.max }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        self.init(name: name)
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard Self.inputCount.contains(inputShapes.count), inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs of one shape", found: inputShapes)
        }
        return inputShapes[0]
    }

    /// inputs k x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor { addForward(inputs) }

    public func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor {
        addForwardInPlace(&inputs, reusable: owned)
    }

    private var inputCount = 2

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        inputCount = inputs.count
        return addForward(inputs)
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> the same dy for each of the k inputs.
    public override func backward(_ dy: Tensor) -> [Tensor] { Array(repeating: dy, count: inputCount) }
}
