extension Model {
    /// A faster model with the same outputs for inference, built from this model's `FusionPlan`
    /// out of `FusedConv2D` and `AddReLU` layers, which are no Keras classes. The model itself
    /// (its Keras layers and weights, for summary, export and training) is untouched; unfused
    /// layers are shared. Folded weights are computed now: later changes to this model's weights
    /// need a new fused model.
    public func fusedForInference() throws -> Model {
        let fused = Model(name: name)
        for step in FusionPlan(self).steps {
            switch step {
            case let .keep(node):
                if let input = node.layer as? InputLayer {
                    try fused.input(input.name, shape: input.shape)
                } else {
                    try fused(node.layer, node.inputs)
                }
            case let .convolution(conv, bn, relu, residual, inputs, name):
                try fused(FusedConv2D(name, conv: conv, bn: bn, relu: relu, residual: residual), inputs)
            case let .addReLU(inputs, name):
                try fused(AddReLU(name: name), inputs)
            }
        }
        return fused
    }
}
