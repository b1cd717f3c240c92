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
    private let names = KerasAutoNames()
    let input: String
    private let inputShape: [Int]

    init(input: String, shape: [Int]) {
        self.input = input
        inputShape = shape
    }

    /// Keras's automatic name for the next unnamed layer whose snake_case class name is `base`.
    func autoName(_ base: String) -> String { names(base) }

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
        for call in calls { try m(call.layer, call.inputs) }
        return try inKerasOrder(m)
    }
}
