import ZooLayers
import ZooTensor

/// The frozen lower part of a model being trained, run as one layer in inference mode (fused
/// convolutions, nothing kept for a backward pass): what Keras's transfer-learning guide does with
/// `base_model(x, training=False)`. It has no weights of its own to train, so the trainer never
/// differentiates it; the layers it runs keep theirs, untouched.
final class FrozenSubmodel: Layer {
    let model: Model
    private let fused: Model

    init(_ name: String, model: Model) throws {
        self.model = model
        self.fused = try model.fusedForInference()
        super.init(name: name)
    }

    override var className: String { "FrozenSubmodel" }

    override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes == [model.inputShape] else {
            throw LayerError.inputShape(layer: name, expected: "the input \(model.inputShape) of \(model.name)", found: inputShapes)
        }
        return model.outputShape
    }

    override func forward(_ inputs: [Tensor]) -> Tensor { fused(inputs[0]) }
}

extension Augmentation {
    /// The model to train when the layers of `model` up to its top `trainedLayers` weighted ones
    /// stay frozen: the augmentation layers, the frozen part as one inference-mode layer, then the
    /// trained layers (shared with `model`, so `model` holds what they learn).
    func trainingModel(_ model: Model, trainingTopWeighted trainedLayers: Int) throws -> Model {
        let (lower, upper) = try model.split(belowTopWeighted: trainedLayers)
        let m = Model(name: model.name)
        var x = try m.input(model.nodes[0].layer.name, shape: model.inputShape)
        for layer in layers() { x = try m(layer, x) }
        x = try m(FrozenSubmodel("frozen_\(lower.nodes.last!.layer.name)", model: lower), x)
        let cut = upper.nodes[0].layer.name
        for node in upper.nodes.dropFirst() { try m(node.layer, node.inputs.map { $0 == cut ? x : $0 }) }
        return m
    }
}
