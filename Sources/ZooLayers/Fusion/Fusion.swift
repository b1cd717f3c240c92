import ZooTensor

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
            case let .keep(i):
                if let input = nodes[i].layer as? InputLayer {
                    try fused.input(input.name, shape: input.shape)
                } else {
                    try fused(nodes[i].layer, nodes[i].inputs)
                }
            case let .convolution(conv, bn, relu, shortcut, name):
                let layer = FusedConv2D(name, conv: nodes[conv].layer as! Conv2D, bn: nodes[bn].layer as! BatchNormalization,
                                        relu: relu, residual: shortcut != nil)
                try fused(layer, nodes[conv].inputs + (shortcut.map { [$0] } ?? []))
            case let .addReLU(add, name):
                try fused(AddReLU(name: name), nodes[add].inputs)
            }
        }
        return fused
    }
}
