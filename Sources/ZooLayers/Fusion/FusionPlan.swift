import ZooTensor

/// Which Keras layers of a model run as one fused layer at inference, decided from the graph
/// alone: every Conv2D, DepthwiseConv2D or SeparableConv2D whose only consumer is a
/// BatchNormalization absorbs it, an activation (ReLU, relu6, swish, hard_swish, sigmoid) that
/// only follows such a pair is applied inside it, so is a ReLU that only follows an Add, and a
/// ResNet block's last 1x1 convolution also absorbs the block's Add (and the activation after
/// it). A depthwise or separable step also absorbs the ZeroPadding2D before it, a separable one
/// the ReLU before that. A fused layer takes the name of the last layer it absorbs, so every
/// later layer still finds its input.
struct FusionPlan {
    enum Step {
        /// A Keras layer run as it is.
        case keep(Model.Node)
        /// `conv` with `bn` folded in, then `activation`; with `residual`, the second of `inputs`
        /// is the block's shortcut, added before the activation.
        case convolution(conv: Conv2D, bn: BatchNormalization, activation: FusedActivation, residual: Bool, inputs: [String],
                         name: String)
        /// `pad` (if any) then `depthwise` with `bn` folded in, then `activation`.
        case depthwise(DepthwiseConv2D, pad: ZeroPadding2D?, bn: BatchNormalization, activation: FusedActivation,
                       inputs: [String], name: String)
        /// `separable` (its input through a ReLU first when `inputReLU`, then `pad` if any) with
        /// `bn` folded into its pointwise kernel, then `activation`.
        case separable(SeparableConv2D, inputReLU: Bool, pad: ZeroPadding2D?, bn: BatchNormalization,
                       activation: FusedActivation, inputs: [String], name: String)
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
        /// What layer i computes as a fused activation, nil if it is none (or i is nil).
        func activation(_ i: Int?) -> FusedActivation? {
            guard let i else { return nil }
            if let relu = nodes[i].layer as? ReLU {
                return FusedActivation(reluMaxValue: relu.maxValue, negativeSlope: relu.negativeSlope, threshold: relu.threshold)
            }
            return (nodes[i].layer as? ActivationLayer).flatMap { FusedActivation($0.activation) }
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
        // A ZeroPadding2D used only by a depthwise step (MobileNetV2's and EfficientNet's stride-2
        // blocks) becomes that step's padding: its taps there are skipped, nothing is copied.
        var padOf = [Int: Int]()  // by the DepthwiseConv2D's index
        for (i, node) in nodes.enumerated() {
            guard let depthwise = node.layer as? DepthwiseConv2D, depthwise.depthMultiplier == 1, depthwise.activation == .linear,
                  let j = sole(i), nodes[j].layer is BatchNormalization,
                  let p = node.inputs.first.flatMap({ index[$0] }), nodes[p].layer is ZeroPadding2D, sole(p) == i else { continue }
            padOf[i] = p
        }
        // Likewise for a SeparableConv2D, and the plain ReLU before it (Xception's and NASNet's
        // pre-activation) when no other step can claim that ReLU as its own activation: its input
        // is shared, or is no BatchNormalization or Add.
        var reluOf = [Int: Int]()  // by the SeparableConv2D's index
        for (i, node) in nodes.enumerated() {
            guard let separable = node.layer as? SeparableConv2D, separable.depthMultiplier == 1,
                  separable.activation == .linear, let j = sole(i), nodes[j].layer is BatchNormalization,
                  var p = node.inputs.first.flatMap({ index[$0] }) else { continue }
            var consumer = i
            if nodes[p].layer is ZeroPadding2D, sole(p) == i, let q = nodes[p].inputs.first.flatMap({ index[$0] }) {
                padOf[i] = p
                (consumer, p) = (p, q)
            }
            guard isReLU(p), sole(p) == consumer, let r = nodes[p].inputs.first.flatMap({ index[$0] }) else { continue }
            if (consumers[nodes[r].layer.name] ?? []).count > 1 || !(nodes[r].layer is BatchNormalization || nodes[r].layer is Add) {
                reluOf[i] = p
            }
        }
        var absorbed = Set(padOf.values).union(reluOf.values)
        var steps: [Step] = []
        for i in nodes.indices where !absorbed.contains(i) {
            if deferred.contains(i) {
                absorbed.insert(sole(i)!)  // emitted at its Add, which comes after the shortcut too
            } else if let r = residualConv[i], let (conv, bn, _) = convBN(r.conv) {
                let k = sole(i), act = activation(k)
                if act != nil { absorbed.insert(k!) }
                steps.append(.convolution(conv: conv, bn: bn, activation: act ?? .linear, residual: true,
                                          inputs: [nodes[r.conv].inputs[0], r.shortcut], name: nodes[act != nil ? k! : i].layer.name))
            } else if let (conv, bn, j) = convBN(i) {
                let k = sole(j), act = activation(k)
                absorbed.formUnion(act != nil ? [j, k!] : [j])
                steps.append(.convolution(conv: conv, bn: bn, activation: act ?? .linear, residual: false, inputs: nodes[i].inputs,
                                          name: nodes[act != nil ? k! : j].layer.name))
            } else if let depthwise = nodes[i].layer as? DepthwiseConv2D, depthwise.activation == .linear, let j = sole(i),
                      let bn = nodes[j].layer as? BatchNormalization {
                let k = sole(j), act = activation(k), pad = padOf[i]
                absorbed.formUnion(act != nil ? [j, k!] : [j])
                steps.append(.depthwise(depthwise, pad: pad.map { nodes[$0].layer as! ZeroPadding2D }, bn: bn,
                                        activation: act ?? .linear, inputs: nodes[pad ?? i].inputs,
                                        name: nodes[act != nil ? k! : j].layer.name))
            } else if let separable = nodes[i].layer as? SeparableConv2D, separable.activation == .linear, let j = sole(i),
                      let bn = nodes[j].layer as? BatchNormalization {
                let k = sole(j), act = activation(k), pad = padOf[i], relu = reluOf[i]
                absorbed.formUnion(act != nil ? [j, k!] : [j])
                steps.append(.separable(separable, inputReLU: relu != nil, pad: pad.map { nodes[$0].layer as! ZeroPadding2D },
                                        bn: bn, activation: act ?? .linear, inputs: nodes[relu ?? pad ?? i].inputs,
                                        name: nodes[act != nil ? k! : j].layer.name))
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
