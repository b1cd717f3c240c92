import ZooTensor

/// Keras `Multiply`: the elementwise product of two or more inputs of one rank, broadcast where
/// an axis is 1 (squeeze-and-excitation's [N,1,1,C] gate times its [N,H,W,C] input).
public final class Multiply: Layer, KerasLayer, InPlaceInference {
    public static let kerasClassName = "Multiply"
    public static var inputCount: ClosedRange<Int> { 2...Int.max }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        self.init(name: name)
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard Self.inputCount.contains(inputShapes.count), let shape = broadcastShape(inputShapes) else {
            throw LayerError.inputShape(layer: name, expected: "two or more inputs that broadcast to one shape", found: inputShapes)
        }
        return shape
    }

    /// inputs k x [N,...] (broadcastable) -> [N,...].
    public override func forward(_ inputs: [Tensor]) -> Tensor { multiplyBroadcast(inputs) }

    public func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor {
        multiplyBroadcastInPlace(&inputs, reusable: owned)
    }

    private var inputs: [Tensor] = []

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        if training { self.inputs = inputs }
        return multiplyBroadcast(inputs)
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> for each input, dy times the other inputs, summed over its broadcast axes.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        inputs.indices.map { i in
            let others = inputs.enumerated().filter { $0.offset != i }.map(\.element)
            return reduceBroadcast(multiplyBroadcast([dy] + others), to: inputs[i].shape)
        }
    }
}
