import ZooTensor

extension Model {
    /// Re-plans every convolution of the model by `policy`: the Conv2D layers and the fused
    /// layers that convolve (a Conv2D with its BatchNormalization, ReLU or Add). A model is
    /// planned by `ConvPolicy.default` when it is built; the CLI calls this when the environment
    /// asks for another policy (`ZOO_PACKED_GEMM=0`).
    public func replan(policy: ConvPolicy) {
        for layer in layers { layer.replan(policy: policy) }
    }

    /// The plans of the model's convolutions by layer name (for `zoo bench --profile`).
    public var planDescriptions: [String: String] {
        Dictionary(layers.compactMap { layer in layer.planDescription.map { (layer.name, $0) } },
                   uniquingKeysWith: { a, _ in a })
    }
}
