/// Which Keras layers of a model run as one fused layer at inference, decided from the graph
/// alone: every Conv2D whose only consumer is a BatchNormalization absorbs it, a ReLU that only
/// follows such a pair or an Add is applied inside it, and a ResNet block's last 1x1 convolution
/// also absorbs the block's Add. A fused layer takes the name of the last layer it absorbs, so
/// every later layer still finds its input.
struct FusionPlan {
    enum Step {
        /// A Keras layer run as it is.
        case keep(Model.Node)
        /// `conv` with `bn` folded in, the ReLU after them when `relu`; with `residual`, the
        /// second of `inputs` is the block's shortcut, added before the ReLU.
        case convolution(conv: Conv2D, bn: BatchNormalization, relu: Bool, residual: Bool, inputs: [String], name: String)
        /// An Add of `inputs` and the ReLU after it.
        case addReLU(inputs: [String], name: String)
    }

    let steps: [Step]

    init(_ model: Model) {
        let nodes = model.nodes
        var consumers = [String: [Int]]()
        for (i, node) in nodes.enumerated() { for input in node.inputs { consumers[input, default: []].append(i) } }
        let index = Dictionary(nodes.enumerated().map { ($1.layer.name, $0) }, uniquingKeysWith: { a, _ in a })
        func sole(_ i: Int) -> Int? {
            let c = consumers[nodes[i].layer.name] ?? []
            return c.count == 1 ? c[0] : nil
        }
        func isReLU(_ i: Int?) -> Bool {
            guard let i else { return false }
            return (nodes[i].layer as? ReLU)?.isPlain == true || (nodes[i].layer as? ActivationLayer)?.activation == .relu
        }
        /// Conv2D i and the BatchNormalization j that alone consumes it.
        func convBN(_ i: Int) -> (conv: Conv2D, bn: BatchNormalization, j: Int)? {
            guard let conv = nodes[i].layer as? Conv2D, conv.activation == .linear, conv.groups == 1, let j = sole(i),
                  let bn = nodes[j].layer as? BatchNormalization else { return nil }
            return (conv, bn, j)
        }
        // An Add of two tensors where one is a 1x1 Conv2D+BN used only there (a ResNet block's
        // last convolution) becomes that convolution with the other tensor as its residual: the
        // sum and the ReLU happen in the GEMM's epilogue instead of a pass over the whole output.
        // Of two candidates (a projection block's two branches) the later convolution is taken,
        // so the other branch is complete where the Add stands.
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
        var absorbed = Set<Int>()
        var steps: [Step] = []
        for i in nodes.indices where !absorbed.contains(i) {
            if deferred.contains(i) {
                absorbed.insert(sole(i)!)  // emitted at its Add, which comes after the shortcut too
            } else if let r = residualConv[i], let (conv, bn, _) = convBN(r.conv) {
                let k = sole(i), relu = isReLU(k)
                if relu { absorbed.insert(k!) }
                steps.append(.convolution(conv: conv, bn: bn, relu: relu, residual: true,
                                          inputs: [nodes[r.conv].inputs[0], r.shortcut], name: nodes[relu ? k! : i].layer.name))
            } else if let (conv, bn, j) = convBN(i) {
                let k = sole(j), relu = isReLU(k)
                absorbed.formUnion(relu ? [j, k!] : [j])
                steps.append(.convolution(conv: conv, bn: bn, relu: relu, residual: false, inputs: nodes[i].inputs,
                                          name: nodes[relu ? k! : j].layer.name))
            } else if nodes[i].layer is Add, let k = sole(i), isReLU(k) {
                absorbed.insert(k)
                steps.append(.addReLU(inputs: nodes[i].inputs, name: nodes[k].layer.name))
            } else {
                steps.append(.keep(nodes[i]))
            }
        }
        self.steps = steps
    }
}
