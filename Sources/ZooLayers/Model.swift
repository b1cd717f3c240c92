import Dispatch
import ZooTensor

/// A Keras functional model: layers in Keras's `model.layers` order (which is also a valid
/// execution order), each fed by the outputs of earlier layers named in `inputs`.
/// Keeping Keras's order is what makes topological weight loading and export line up.
public final class Model {
    public struct Node {
        public let layer: Layer
        public let inputs: [String]
        public let outputShape: [Int]
    }

    public let name: String
    public private(set) var nodes: [Node] = []
    private var index: [String: Int] = [:]

    public init(name: String) { self.name = name }

    /// Layers that Keras keeps inside a nested model (ConvNeXt's stem, a Sequential), by name: the
    /// key that nested model has among the model's layers (`sequential`, `sequential_1`). Keras 3
    /// files store such a layer under it (`layers/sequential/layers/conv2d`), counted in it.
    public var nestedIn: [String: String] = [:]

    /// nil (and empty shapes) until `input` is called.
    public var input: InputLayer? { nodes.first?.layer as? InputLayer }
    public var inputShape: [Int] { nodes.first?.outputShape ?? [] }
    public var outputShape: [Int] { nodes.last?.outputShape ?? [] }
    public var layers: [Layer] { nodes.map(\.layer) }
    public var weightedLayers: [Layer] { layers.filter { !$0.weights.isEmpty } }

    public func layer(named name: String) -> Layer? { index[name].map { nodes[$0].layer } }
    public func node(named name: String) -> Node? { index[name].map { nodes[$0] } }

    /// Adds the model's input; call once, first.
    @discardableResult
    public func input(_ name: String, shape: [Int]) throws -> String {
        try self(InputLayer(name: name, shape: shape), [])
    }

    /// Builds `layer` on the outputs of `inputs` and appends it; returns its name, which stands
    /// for its output tensor (layers here have one output each).
    @discardableResult
    public func callAsFunction(_ layer: Layer, _ inputs: String...) throws -> String {
        try self(layer, inputs)
    }

    @discardableResult
    public func callAsFunction(_ layer: Layer, _ inputs: [String]) throws -> String {
        guard index[layer.name] == nil else { throw LayerError.duplicateName(layer.name) }
        // Execution and weight loading take nodes[0] as the one input.
        if let first = nodes.first, layer is InputLayer {
            throw LayerError.structure(model: name, problem: "it already has an input, \(first.layer.name); a zoo model has one")
        }
        if nodes.isEmpty && !(layer is InputLayer) {
            throw LayerError.structure(model: name, problem: "add its input before layer \(layer.name)")
        }
        let shapes = try inputs.map { input -> [Int] in
            guard let i = index[input] else { throw LayerError.unknownInput(layer: layer.name, input: input) }
            return nodes[i].outputShape
        }
        let shape = try layer.build(shapes)
        index[layer.name] = nodes.count
        nodes.append(Node(layer: layer, inputs: inputs, outputShape: shape))
        notePreactivation(nodes.count - 1)
        return layer.name
    }

    /// Throws unless `x` is a batch [N, ...inputShape] of this (non-empty) model.
    public func checkInput(_ x: Tensor) throws {
        guard !nodes.isEmpty else { throw LayerError.structure(model: name, problem: "it has no layers") }
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw LayerError.modelInput(model: name, expected: inputShape, found: x.shape)
        }
    }

    /// Runs a batch [N, ...inputShape] through the model in inference mode, after checking its
    /// shape: the entry point for data from outside the program.
    public func predict(_ x: Tensor) throws -> Tensor {
        try checkInput(x)
        return forward(x, training: false)
    }

    /// `predict` for callers that already know `x` has the input shape (e.g. they built the model
    /// for it); a wrong shape traps here.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x, training: false) }

    /// With `training`, layers cache what `backward` needs and Dropout is active. `observe` sees
    /// each layer's name and the seconds its forward took (for profiling). Each intermediate is
    /// released after its last consumer, so peak memory is a few activations, not all of them.
    /// `x` must have the input shape (`checkInput`).
    public func forward(_ x: Tensor, training: Bool, observe: ((String, Double) -> Void)? = nil) -> Tensor {
        precondition(!nodes.isEmpty && Array(x.shape.dropFirst()) == inputShape, "\(name): input \(x.shape) != (N, \(inputShape))")
        var remaining = [Int](repeating: 0, count: nodes.count)
        for node in nodes { for input in node.inputs { remaining[index[input]!] += 1 } }
        var values = [Tensor?](repeating: nil, count: nodes.count)
        values[0] = x
        let pairs = training ? [:] : preactivationPairs, folded = Set(pairs.values)
        for (i, node) in nodes.enumerated().dropFirst() {
            var args = node.inputs.map { values[index[$0]!]! }
            for input in node.inputs {
                let j = index[input]!
                remaining[j] -= 1
                if remaining[j] == 0 { values[j] = nil }
            }
            // Released above and not the caller's batch: `args` holds the only reference.
            func owned(_ node: Node) -> [Bool] { node.inputs.map { index[$0]! != 0 && values[index[$0]!] == nil } }
            let start = observe == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            if !training, pairs[i] != nil {
                // A BatchNormalization and the plain ReLU that alone reads it: one pass does both;
                // the ReLU then passes that on (ReLU(ReLU(y)) = ReLU(y), so it is the same output).
                values[i] = (node.layer as! BatchNormalization).forward(reusing: &args, owned: owned(node), relu: true)
            } else if !training, folded.contains(i) {
                values[i] = args[0]
            } else if !training, let layer = node.layer as? InPlaceInference {
                values[i] = layer.forward(reusing: &args, owned: owned(node))
            } else {
                values[i] = training ? node.layer.forward(args, training: true) : node.layer.forward(args)
            }
            if let observe { observe(node.layer.name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        return values[nodes.count - 1]!
    }

    /// Inference only: each BatchNormalization (by node index) whose output only a plain ReLU
    /// reads (ResNetV2's and DenseNet's pre-activation), with that ReLU's index. Kept up to date
    /// as layers are added (not found lazily: models may run forwards on several threads).
    private var preactivationPairs: [Int: Int] = [:]
    private var consumerCounts: [Int] = []

    private func notePreactivation(_ k: Int) {
        consumerCounts.append(0)
        let node = nodes[k]
        let plainReLU = (node.layer as? ReLU)?.isPlain == true || (node.layer as? ActivationLayer)?.activation == .relu
        for input in node.inputs {
            let j = index[input]!
            consumerCounts[j] += 1
            if consumerCounts[j] == 1 && plainReLU && node.inputs.count == 1 && nodes[j].layer is BatchNormalization {
                preactivationPairs[j] = k
            } else {
                preactivationPairs[j] = nil
            }
        }
    }

    /// Backpropagates dL/d(output) of the last training forward in reverse layer order,
    /// accumulating weight gradients of trainable layers. Gradients only flow into the part of
    /// the graph that has trainable weights: a frozen backbone is never differentiated.
    public func backward(_ dy: Tensor) {
        var needs = [Bool](repeating: false, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            let own = node.layer.trainable && !node.layer.weights.isEmpty
            needs[i] = own || node.inputs.contains { needs[index[$0]!] }
        }
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        grads[nodes.count - 1] = dy
        for (i, node) in nodes.enumerated().reversed() where needs[i] {
            guard let g = grads[i], !(node.layer is InputLayer) else { continue }
            grads[i] = nil
            precondition(node.layer.differentiable, "\(node.layer.className) \(node.layer.name) cannot be trained")
            node.layer.needsInputGradient = node.inputs.contains { needs[index[$0]!] }
            for (input, dx) in zip(node.inputs, node.layer.backward(g)) {
                let j = index[input]!
                guard needs[j] else { continue }
                if var existing = grads[j] {
                    for k in existing.data.indices { existing.data[k] += dx.data[k] }
                    grads[j] = existing
                } else {
                    grads[j] = dx
                }
            }
        }
    }

    /// Every trainable weight with its Keras path (`layer/weight`), in model order.
    public var trainableWeights: [(path: String, weight: Weight)] {
        layers.filter(\.trainable).flatMap { l in l.weights.filter(\.trainable).map { ("\(l.name)/\($0.name)", $0) } }
    }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    public var trainableCount: Int { layers.reduce(0) { $0 + $1.trainableCount } }

    /// True when every layer takes the previous one's output (Keras prints such models without
    /// a "Connected to" column).
    public var isSequential: Bool {
        nodes.enumerated().dropFirst().allSatisfy { i, node in node.inputs == [nodes[i - 1].layer.name] }
    }
}

extension Model {
    /// Multiply-adds counted twice, per image (the usual "FLOPs"), summed over the layers that count them.
    public var flopsPerImage: Int {
        nodes.reduce(0) { $0 + $1.layer.flops(outputShape: $1.outputShape) }
    }
}
