import ZooTensor

extension Model {
    /// A faster model with the same outputs for inference: every Conv2D whose only consumer is a
    /// BatchNormalization absorbs it (kernel scaled by gamma / sqrt(var + eps) per output channel,
    /// bias becomes (bias - mean) * scale + beta), a ReLU that only follows such a pair or an Add is
    /// applied inside it, a ResNet block's last 1x1 convolution also absorbs the block's Add, and
    /// the fused layer takes the last absorbed layer's name so that every later layer finds its
    /// input. The model itself (the Keras weights, for export and training) is untouched; unfused
    /// layers are shared.
    public func fusedForInference() throws -> Model {
        var consumers = [String: [Int]]()
        for (i, node) in nodes.enumerated() { for input in node.inputs { consumers[input, default: []].append(i) } }
        func sole(_ i: Int) -> Int? {
            let c = consumers[nodes[i].layer.name] ?? []
            return c.count == 1 ? c[0] : nil
        }
        func isReLU(_ i: Int?) -> Bool { (i.map { nodes[$0].layer as? ActivationLayer })??.activation == .relu }
        func convBN(_ i: Int) -> (conv: Conv2D, bn: BatchNormalization)? {
            guard let conv = nodes[i].layer as? Conv2D, conv.activation == .linear, !conv.residual, let j = sole(i),
                  let bn = nodes[j].layer as? BatchNormalization else { return nil }
            return (conv, bn)
        }
        let index = Dictionary(nodes.enumerated().map { ($1.layer.name, $0) }, uniquingKeysWith: { a, _ in a })
        // An Add of two tensors where one is a 1x1 Conv2D+BN used only there (a ResNet block's
        // last convolution) becomes that convolution with the other tensor as its residual: the
        // sum and the ReLU happen in the GEMM's epilogue instead of a pass over the whole output.
        var residualConv = [Int: (conv: Int, shortcut: String)]()  // by the Add's index
        for (i, node) in nodes.enumerated() where node.layer is Add && node.inputs.count == 2 {
            let candidates = node.inputs.enumerated().compactMap { slot, input -> (Int, Int)? in
                guard let j = index[input], let c = nodes[j].inputs.first.flatMap({ index[$0] }), sole(c) == j,
                      let pair = convBN(c), pair.conv.kernelSize == (1, 1), pair.conv.strides == (1, 1),
                      sole(j) == i else { return nil }
                return (c, slot)
            }
            if let (c, slot) = candidates.max(by: { $0.0 < $1.0 }) { residualConv[i] = (c, node.inputs[1 - slot]) }
        }
        let deferred = Set(residualConv.values.map(\.conv))
        let fused = Model(name: name)
        var absorbed = Set<Int>()
        /// Conv2D i folded with its BatchNormalization, named `name`, on `inputs`.
        func addFolded(_ i: Int, name: String, relu: Bool, inputs: [String], residual: Bool) throws {
            let (conv, bn) = convBN(i)!
            let folded = Conv2D(name, filters: conv.filters, kernelSize: conv.kernelSize, strides: conv.strides,
                                padding: conv.padding, activation: relu ? .relu : .linear)
            folded.residual = residual
            try fused(folded, inputs)
            let (kernel, bias) = fold(conv, bn)
            folded.weights[0].value = kernel
            folded.weights[1].value = bias
        }
        for (i, node) in nodes.enumerated() where !absorbed.contains(i) {
            if let input = node.layer as? InputLayer {
                try fused.input(input.name, shape: input.shape)
            } else if deferred.contains(i) {
                absorbed.insert(sole(i)!)  // emitted at its Add, which comes after the shortcut too
            } else if let r = residualConv[i] {
                // Produced where the Add was, under its name (or its ReLU's), so later layers find it.
                let k = sole(i), relu = isReLU(k)
                if relu { absorbed.insert(k!) }
                try addFolded(r.conv, name: nodes[relu ? k! : i].layer.name, relu: relu,
                              inputs: [nodes[r.conv].inputs[0], r.shortcut], residual: true)
            } else if convBN(i) != nil {
                let j = sole(i)!, k = sole(j), relu = isReLU(k)
                absorbed.formUnion(relu ? [j, k!] : [j])
                try addFolded(i, name: nodes[relu ? k! : j].layer.name, relu: relu, inputs: node.inputs, residual: false)
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
