import ZooLayers

/// The names Keras gives unnamed layers: the class name in snake case, then `_1`, `_2`, ... in
/// the order the layers are created (a fresh session's `backend.get_uid`), which is the order a
/// builder calls them in, not the order of `model.layers`.
final class KerasAutoNames {
    private var used: [String: Int] = [:]

    func callAsFunction(_ base: String) -> String {
        let n = used[base, default: 0]
        used[base] = n + 1
        return n == 0 ? base : "\(base)_\(n)"
    }
}

/// `model` with its layers in Keras's `model.layers` order (`ops.function.map_graph`): by
/// decreasing depth (the longest path to the output), ties broken by when a depth-first walk
/// from the output, inputs in call order, first reaches the layer. Topological weight loading
/// and export follow this order, so branchy builders (Inception, NASNet) add their layers in
/// call order, as the Keras code reads, and are reordered here once. Layers the output does
/// not depend on are dropped, as Keras drops them.
func inKerasOrder(_ model: Model) throws -> Model {
    let nodes = model.nodes
    guard let output = nodes.indices.last else { return model }
    let position = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element.layer.name, $0.offset) })
    var traversal = [Int: Int](), finished = Set<Int>(), postorder: [Int] = []
    func visit(_ i: Int) {
        guard !finished.contains(i) else { return }
        if traversal[i] == nil { traversal[i] = traversal.count }
        for input in nodes[i].inputs { visit(position[input]!) }
        finished.insert(i)
        postorder.append(i)
    }
    visit(output)
    var depth = [Int: Int]()
    for i in postorder.reversed() {
        let d = depth[i, default: 0]
        depth[i] = d
        for input in nodes[i].inputs {
            let j = position[input]!
            depth[j] = max(depth[j, default: 0], d + 1)
        }
    }
    let order = postorder.sorted { (depth[$0]!, traversal[$1]!) > (depth[$1]!, traversal[$0]!) }
    let ordered = Model(name: model.name)
    for i in order { try ordered(nodes[i].layer, nodes[i].inputs) }
    return ordered
}
