import Foundation

/// A model's architecture as Keras describes it: its layers in `model.layers` order, each with
/// its Keras class, inbound layers, output shape, parameter counts and `get_config()`. It is
/// derived once from a `Model` (`model.graph`) and is the one source that `summary()`,
/// `zoo graph`, the Keras export's `model_config` and TensorBoard's Graphs tab read, so they can
/// never disagree about a layer's name, class, inputs or shape. It holds no weights.
public struct ModelGraph: Sendable {
    public struct Node: Sendable {
        public let name: String
        /// The Keras class name (`Conv2D`, `InputLayer`), as `model.summary()` prints it.
        public let className: String
        /// The layers whose outputs this one takes, in argument order; empty for the input.
        public let inbound: [String]
        /// Without the batch axis.
        public let outputShape: [Int]
        public let parameterCount: Int
        public let trainableCount: Int
        public let trainable: Bool
        /// `get_config()` in tf-keras's form: the layer's arguments with `name`, `dtype` and (for
        /// every layer but the input, where tf-keras refuses it) `trainable`.
        public let config: [String: any Sendable]

        public init(name: String, className: String, inbound: [String], outputShape: [Int],
                    parameterCount: Int, trainableCount: Int, trainable: Bool, config: [String: any Sendable]) {
            self.name = name
            self.className = className
            self.inbound = inbound
            self.outputShape = outputShape
            self.parameterCount = parameterCount
            self.trainableCount = trainableCount
            self.trainable = trainable
            self.config = config
        }
    }

    public let name: String
    public let nodes: [Node]

    public init(name: String, nodes: [Node]) {
        self.name = name
        self.nodes = nodes
    }

    public init(_ model: Model) {
        self.init(name: model.name, nodes: model.nodes.map { node in
            let layer = node.layer
            var config = layer.kerasConfig
            config["name"] = layer.name
            if !(layer is InputLayer) { config["trainable"] = layer.trainable }
            if config["dtype"] == nil { config["dtype"] = "float32" }
            return Node(name: layer.name, className: layer.className, inbound: node.inputs, outputShape: node.outputShape,
                        parameterCount: layer.parameterCount, trainableCount: layer.trainableCount,
                        trainable: layer.trainable, config: config)
        })
    }

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    public var parameterCount: Int { nodes.reduce(0) { $0 + $1.parameterCount } }
    public var trainableCount: Int { nodes.reduce(0) { $0 + $1.trainableCount } }

    /// True when every layer takes the previous one's output (Keras prints such models without
    /// a "Connected to" column).
    public var isSequential: Bool {
        nodes.indices.dropFirst().allSatisfy { nodes[$0].inbound == [nodes[$0 - 1].name] }
    }

    /// How a layer's `inbound_nodes` name its inputs in a Functional config.
    public enum InboundNodes: Sendable {
        /// tf-keras's `[[["layer", 0, 0, {}], ...]]`, which tf-keras and Keras 3 both load (the
        /// exported `model_config`).
        case legacy
        /// Keras 3's `[{"args": [<__keras_tensor__ with keras_history>], "kwargs": {}}]`, with the
        /// `module` of every class: the form TensorBoard's graph plugin follows for the conceptual
        /// graph's edges (it skips the legacy one, so a legacy config draws unconnected layers).
        case keras3
    }

    /// `model.get_config()` of a Functional model with one input and one output, wrapped as
    /// `model.to_json()` wraps it: class name, config, and (as tf-keras adds them; Keras 3 does
    /// not) the Keras version and backend when `kerasVersion` is given.
    public func functionalConfig(kerasVersion: String?, inboundNodes: InboundNodes = .legacy) -> [String: Any] {
        var shapes: [String: [Int]] = [:]
        for node in nodes { shapes[node.name] = node.outputShape }
        let layers: [[String: Any]] = nodes.map { node in
            let inbound: [Any]
            switch inboundNodes {
            case .legacy:
                inbound = node.inbound.isEmpty ? [] : [node.inbound.map { [$0, 0, 0, [String: Any]()] as [Any] }]
            case .keras3:
                // Each input is the tensor it is: its batch shape and the layer that made it.
                let tensors: [Any] = node.inbound.map { name in
                    let tensor: [String: Any] = ["shape": [NSNull()] + (shapes[name] ?? []).map { $0 as Any },
                                                 "dtype": "float32", "keras_history": [name, 0, 0] as [Any]]
                    return ["class_name": "__keras_tensor__", "config": tensor] as [String: Any]
                }
                // A layer of several inputs (Add) takes them as one list argument.
                let args: [Any] = tensors.count == 1 ? tensors : [tensors]
                inbound = tensors.isEmpty ? [] : [["args": args, "kwargs": [String: Any]()] as [String: Any]]
            }
            var layer: [String: Any] = ["class_name": node.className, "name": node.name,
                                        "config": node.config.mapValues(jsonReady), "inbound_nodes": inbound]
            if inboundNodes == .keras3 { layer.merge(["module": "keras.layers", "registered_name": NSNull()]) { $1 } }
            return layer
        }
        var root: [String: Any] = [
            "class_name": "Functional",
            "config": ["name": name, "layers": layers, "input_layers": [[nodes[0].name, 0, 0]],
                       "output_layers": [[nodes.last!.name, 0, 0]]],
        ]
        // Keras 3's deserializer finds classes by module, so with these its model_from_json
        // rebuilds the model.
        if inboundNodes == .keras3 { root.merge(["module": "keras.src.models.functional", "registered_name": "Functional"]) { $1 } }
        if let kerasVersion {
            root["keras_version"] = kerasVersion
            root["backend"] = "tensorflow"
        }
        return root
    }

    /// `functionalConfig` as compact JSON with sorted keys, so the same model always gives the
    /// same bytes.
    public func kerasJSON(kerasVersion: String?, inboundNodes: InboundNodes = .legacy) throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: functionalConfig(kerasVersion: kerasVersion, inboundNodes: inboundNodes), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

extension Model {
    /// The model's architecture, read once: later changes to the model are not reflected.
    public var graph: ModelGraph { ModelGraph(self) }
}

/// Optionals become JSON null, recursively; JSONSerialization knows no Swift Optional.
public func jsonReady(_ value: Any) -> Any {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        return mirror.children.first.map { jsonReady($0.value) } ?? NSNull()
    }
    if let array = value as? [Any] { return array.map(jsonReady) }
    if let dict = value as? [String: Any] { return dict.mapValues(jsonReady) }
    return value
}
