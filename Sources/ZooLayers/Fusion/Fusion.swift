extension Model {
    /// A faster model with the same outputs for inference, built from this model's `FusionPlan`
    /// out of `FusedConv2D`, `FusedDepthwiseConv2D`, `FusedSeparableConv2D` and `AddReLU` layers,
    /// which are no Keras classes. The model itself (its Keras layers and weights, for summary,
    /// export and training) is untouched; unfused layers are shared. Folded weights are computed
    /// now: later changes to this model's weights need a new fused model.
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
            case let .convolution(conv, bn, activation, residual, inputs, name):
                try fused(FusedConv2D(name, conv: conv, bn: bn, activation: activation, residual: residual), inputs)
            case let .depthwise(depthwise, pad, bn, activation, inputs, name):
                try fused(FusedDepthwiseConv2D(name, depthwise: depthwise, pad: pad, bn: bn, activation: activation), inputs)
            case let .separable(separable, inputReLU, pad, bn, activation, inputs, name):
                try fused(FusedSeparableConv2D(name, separable: separable, inputReLU: inputReLU, pad: pad, bn: bn,
                                               activation: activation), inputs)
            case let .addReLU(inputs, name):
                try fused(AddReLU(name: name), inputs)
            }
        }
        return fused
    }
}
