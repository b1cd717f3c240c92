import ZooTensor

extension Model {
    /// Splits the model below its top `n` weighted layers, at the latest layer whose output alone
    /// feeds everything above it (so a residual block is never cut in half). Returns the lower
    /// model (input to the cut) and the upper one, whose input layer carries the cut layer's name
    /// so the upper layers' inbound names still resolve. The layers are shared, not copied:
    /// training the upper model trains this model.
    public func split(belowTopWeighted n: Int) throws -> (lower: Model, upper: Model) {
        let weightedIndices = nodes.indices.filter { !nodes[$0].layer.weights.isEmpty }
        guard n > 0, n <= weightedIndices.count else {
            throw LayerError.structure(model: name, problem: "cannot unfreeze \(n) layers, only 1 to \(weightedIndices.count) (those with weights)")
        }
        var cut = weightedIndices[weightedIndices.count - n] - 1
        while cut > 0 {
            let above = Set(nodes[(cut + 1)...].map(\.layer.name))
            let cutName = nodes[cut].layer.name
            if nodes[(cut + 1)...].allSatisfy({ $0.inputs.allSatisfy { $0 == cutName || above.contains($0) } }) { break }
            cut -= 1
        }
        let lower = Model(name: "\(name)_frozen")
        for node in nodes[...cut] {
            if node.layer is InputLayer { try lower.input(node.layer.name, shape: node.outputShape) } else { try lower(node.layer, node.inputs) }
        }
        let upper = Model(name: "\(name)_unfrozen")
        try upper.input(nodes[cut].layer.name, shape: nodes[cut].outputShape)
        for node in nodes[(cut + 1)...] { try upper(node.layer, node.inputs) }
        return (lower, upper)
    }

    /// A new model running `parts` one after another (each part's input replaced by the previous
    /// part's output), flattening between them when a map feeds a flat input.
    public static func chain(name: String, _ parts: [Model]) throws -> Model {
        guard let first = parts.first?.input, parts.allSatisfy({ $0.input != nil }) else {
            throw LayerError.structure(model: name, problem: "a chain needs one or more models with inputs")
        }
        let m = Model(name: name)
        var x = try m.input(first.name, shape: first.shape)
        for (i, part) in parts.enumerated() {
            if i > 0 && part.inputShape.count == 1 && m.outputShape.count > 1 {
                x = try m(Flatten(name: "\(part.name)_flatten"), x)
            }
            let input = part.nodes[0].layer.name
            for node in part.nodes.dropFirst() { try m(node.layer, node.inputs.map { $0 == input ? x : $0 }) }
            x = m.nodes.last!.layer.name
        }
        return m
    }
}
