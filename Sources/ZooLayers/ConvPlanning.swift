import ZooTensor

extension Conv2D {
    /// Chooses this layer's algorithm again, by `policy` (for example `ConvPolicy(packedGemm:
    /// false)`, the OpenBLAS paths, for a comparison). A layer not yet built gets its plan when it
    /// is; later builds keep `policy`.
    public func replan(policy: ConvPolicy) {
        guard let shape = plan?.shape else { return }
        plan = policy.plan(input: shape.input, kernel: shape.kernel, strides: shape.strides, padding: shape.padding)
    }
}

extension Model {
    /// Re-plans every convolution of the model by `policy`: the Conv2D layers and those that fused
    /// layers (a Conv2D with its BatchNormalization, ReLU or Add) run inside. A model is planned
    /// by `ConvPolicy.default` when it is built; the CLI calls this when the environment asks for
    /// another policy (`ZOO_PACKED_GEMM=0`).
    public func replan(policy: ConvPolicy) {
        for layer in layers { convolutions(in: layer).forEach { $0.replan(policy: policy) } }
    }

    /// The plans of the model's convolutions by layer name, a fused layer's being its inner
    /// convolution's (for `zoo bench --profile`).
    public var planDescriptions: [String: String] {
        Dictionary(layers.compactMap { layer in
            (layer.planDescription ?? convolutions(in: layer).first?.planDescription).map { (layer.name, $0) }
        }, uniquingKeysWith: { a, _ in a })
    }
}

/// `layer` if it is a Conv2D, else the Conv2D layers it holds (a fused layer convolves through
/// an inner Conv2D); found by reflection so that any layer wrapping one is re-planned too.
private func convolutions(in layer: Layer) -> [Conv2D] {
    if let conv = layer as? Conv2D { return [conv] }
    var found: [Conv2D] = []
    var mirror: Mirror? = Mirror(reflecting: layer)
    while let m = mirror {
        for child in m.children {
            if let conv = child.value as? Conv2D { found.append(conv) }
            if let convs = child.value as? [Conv2D] { found += convs }
        }
        mirror = m.superclassMirror
    }
    return found
}
