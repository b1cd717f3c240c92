import ZooTensor

/// Inference only, and no Keras class: an Add and the ReLU after it in one pass over the output
/// (the end of every ResNet block).
public final class AddReLU: Layer {
    public override var className: String { "AddReLU" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2, inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs of one shape", found: inputShapes)
        }
        return inputShapes[0]
    }

    /// inputs k x [N,...] -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor { addForward(inputs, relu: true) }
}
