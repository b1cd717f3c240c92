import ZooLayers

/// A keras.applications function written as Keras writes it: layers are recorded in the order
/// the Python code calls them, with Keras's automatic names for the unnamed ones (`conv2d`,
/// `conv2d_1`, ... counted per class in creation order, as a fresh Keras session gives them),
/// and `model` then adds them in the order Keras's `Functional` lists `model.layers`.
///
/// That order is not the creation order once branches meet (InceptionV3's mixed blocks,
/// Xception's residual shortcuts): keras/src/ops/function.py `map_graph` sorts layers by depth
/// (the longest path to the output), deepest first, and breaks ties by the order a depth-first
/// walk from the output reaches them. Topological weight loading pairs layers in that order,
/// so a builder must reproduce it, not only the names. tf_keras sorts the same way.
final class KerasGraph {
    private var calls: [(layer: Layer, inputs: [String])] = []
    private var counters: [String: Int] = [:]
    let input: String
    private let inputShape: [Int]

    init(input: String, shape: [Int]) {
        self.input = input
        inputShape = shape
    }

    /// Keras's automatic name for the next unnamed layer whose snake_case class name is `base`.
    func autoName(_ base: String) -> String {
        let n = counters[base]
        counters[base] = (n ?? -1) + 1
        return n.map { "\(base)_\($0 + 1)" } ?? base
    }

    @discardableResult
    func callAsFunction(_ layer: Layer, _ inputs: String...) -> String { self(layer, inputs) }

    @discardableResult
    func callAsFunction(_ layer: Layer, _ inputs: [String]) -> String {
        calls.append((layer, inputs))
        return layer.name
    }

    /// The model whose output is the last recorded layer, its layers in Keras's order.
    func model(name: String) throws -> Model {
        let m = Model(name: name)
        try m.input(input, shape: inputShape)
        for i in kerasOrder() {
            try m(calls[i].layer, calls[i].inputs)
        }
        return m
    }

    /// Indices into `calls` (the input excluded) in `map_graph`'s order.
    private func kerasOrder() -> [Int] {
        var byName: [String: Int] = [:]
        for (i, call) in calls.enumerated() { byName[call.layer.name] = i }
        // -1 stands for the input layer.
        func parents(_ i: Int) -> [Int] { i < 0 ? [] : calls[i].inputs.map { byName[$0] ?? -1 } }

        var discovery: [Int: Int] = [:]
        var finished = Set<Int>()
        var postorder: [Int] = []
        func walk(_ i: Int) {
            guard !finished.contains(i) else { return }
            if discovery[i] == nil { discovery[i] = discovery.count }
            for p in parents(i) { walk(p) }
            finished.insert(i)
            postorder.append(i)
        }
        guard let output = calls.indices.last else { return [] }
        walk(output)

        var depth: [Int: Int] = [:]
        for i in postorder.reversed() {
            let d = depth[i, default: 0]
            depth[i] = d
            for p in parents(i) { depth[p] = max(depth[p, default: 0], d + 1) }
        }
        return postorder.filter { $0 >= 0 }.sorted {
            depth[$0]! != depth[$1]! ? depth[$0]! > depth[$1]! : discovery[$0]! < discovery[$1]!
        }
    }
}
