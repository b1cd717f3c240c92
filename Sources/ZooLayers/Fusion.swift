import ZooTensor

extension Model {
    /// A faster model with the same outputs for inference: every Conv2D whose only consumer is a
    /// BatchNormalization absorbs it (kernel scaled by gamma / sqrt(var + eps) per output channel,
    /// bias becomes (bias - mean) * scale + beta), a ReLU that only follows such a pair or an Add is
    /// applied inside it, and the fused layer takes the last absorbed layer's name so that every
    /// later layer finds its input. The model itself (the Keras weights, for export and training)
    /// is untouched; unfused layers are shared.
    public func fusedForInference() throws -> Model {
        var consumers = [String: [Int]]()
        for (i, node) in nodes.enumerated() { for input in node.inputs { consumers[input, default: []].append(i) } }
        func sole(_ i: Int) -> Int? {
            let c = consumers[nodes[i].layer.name] ?? []
            return c.count == 1 ? c[0] : nil
        }
        func isReLU(_ i: Int?) -> Bool { (i.map { nodes[$0].layer as? ActivationLayer })??.activation == .relu }
        let fused = Model(name: name)
        var absorbed = Set<Int>()
        for (i, node) in nodes.enumerated() where !absorbed.contains(i) {
            if let input = node.layer as? InputLayer {
                try fused.input(input.name, shape: input.shape)
            } else if let conv = node.layer as? Conv2D, conv.activation == .linear, let j = sole(i),
                      let bn = nodes[j].layer as? BatchNormalization {
                let k = sole(j), relu = isReLU(k)
                let last = relu ? k! : j
                absorbed.formUnion(relu ? [j, k!] : [j])
                let folded = Conv2D(nodes[last].layer.name, filters: conv.filters, kernelSize: conv.kernelSize,
                                    strides: conv.strides, padding: conv.padding, activation: relu ? .relu : .linear)
                try fused(folded, node.inputs)
                let (kernel, bias) = fold(conv, bn)
                folded.weights[0].value = kernel
                folded.weights[1].value = bias
            } else if node.layer is Add, let k = sole(i), isReLU(k) {
                absorbed.insert(k)
                let merged = Add(name: nodes[k].layer.name)
                merged.relu = true
                try fused(merged, node.inputs)
            } else {
                try fused(node.layer, node.inputs)
            }
        }
        return fused
    }
}

/// BatchNormalization(Conv2D(x)) as one convolution: W'[.., o] = W[.., o] * s[o] and
/// b'[o] = (b[o] - mean[o]) * s[o] + beta[o], with s = gamma / sqrt(var + eps).
private func fold(_ conv: Conv2D, _ bn: BatchNormalization) -> (Tensor, Tensor) {
    let o = conv.filters
    let mean = bn.weight("moving_mean")!.value.data, variance = bn.weight("moving_variance")!.value.data
    let gamma = bn.weight("gamma")?.value.data, beta = bn.weight("beta")?.value.data
    let scale = (0..<o).map { (gamma?[$0] ?? 1) / (variance[$0] + bn.epsilon).squareRoot() }
    var kernel = conv.weights[0].value
    for i in kernel.data.indices { kernel.data[i] *= scale[i % o] }
    let bias = conv.useBias ? conv.weights[1].value.data : [Float](repeating: 0, count: o)
    let folded = (0..<o).map { (bias[$0] - mean[$0]) * scale[$0] + (beta?[$0] ?? 0) }
    return (kernel, Tensor(shape: [o], data: folded))
}
