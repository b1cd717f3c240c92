import Foundation
import ZooHDF5
import ZooLayers

/// The tf-keras `model.to_json()` of a model: a flat Functional config with legacy
/// `inbound_nodes`, which both tf-keras and Keras 3 (legacy .h5 loading) read.
public func kerasModelConfig(_ model: Model, kerasVersion: String = exportKerasVersion) throws -> String {
    var layers: [[String: Any]] = []
    for node in model.nodes {
        var config: [String: Any] = node.layer.kerasConfig.mapValues(jsonReady)
        config["name"] = node.layer.name
        if !(node.layer is InputLayer) { config["trainable"] = node.layer.trainable }  // tf-keras rejects it there
        if config["dtype"] == nil { config["dtype"] = "float32" }
        layers.append([
            "class_name": node.layer.className, "name": node.layer.name, "config": config,
            "inbound_nodes": node.inputs.isEmpty ? [] : [node.inputs.map { [$0, 0, 0, [String: Any]()] as [Any] }],
        ])
    }
    let root: [String: Any] = [
        "class_name": "Functional",
        "config": ["name": model.name, "layers": layers, "input_layers": [[model.nodes[0].layer.name, 0, 0]],
                   "output_layers": [[model.nodes.last!.layer.name, 0, 0]]],
        "keras_version": kerasVersion, "backend": "tensorflow",
    ]
    let data = try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// The Keras version exported files claim: the tf-keras release whose legacy format they follow.
public let exportKerasVersion = "2.21.0"

/// Writes `model` as a legacy Keras full-model HDF5 file (what `model.save("m.h5")` writes):
/// root `model_config`, `keras_version`, `backend`, and `/model_weights` in the nested
/// `layer/layer/kernel:0` layout with `layer_names`/`weight_names`. Written to a temporary file
/// and renamed, so `path` never holds a partial model.
public func exportKerasModel(_ model: Model, to path: String) throws {
    let config = try kerasModelConfig(model)
    try writeHDF5Atomically(path) { file in
        let root = file.root
        try root.setAttribute("model_config", .string(config))
        try root.setAttribute("keras_version", .string(exportKerasVersion))
        try root.setAttribute("backend", .string("tensorflow"))
        try writeLegacyWeights(model, into: try root.createGroup("model_weights"))
    }
}

/// The §1.1 layout of KERAS_H5_FORMATS.md: every layer gets a group (weightless ones with an
/// empty `weight_names`, stored as a 0-length float64 array as Keras does).
public func writeLegacyWeights(_ model: Model, into group: H5Group) throws {
    try group.setAttribute("layer_names", .strings(model.layers.map(\.name)))
    try group.setAttribute("backend", .string("tensorflow"))
    try group.setAttribute("keras_version", .string(exportKerasVersion))
    for layer in model.layers {
        let g = try group.createGroup(layer.name)
        let names = layer.weights.map { "\(layer.name)/\($0.name):0" }
        try g.setAttribute("weight_names", names.isEmpty ? .empty : .strings(names))
        for (name, w) in zip(names, layer.weights) {
            _ = try g.createDataset(name, shape: w.shape, floats: w.value.data)
        }
    }
}

/// Optionals become JSON null, recursively; JSONSerialization knows no Swift Optional.
func jsonReady(_ value: Any) -> Any {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        return mirror.children.first.map { jsonReady($0.value) } ?? NSNull()
    }
    if let array = value as? [Any] { return array.map(jsonReady) }
    if let dict = value as? [String: Any] { return dict.mapValues(jsonReady) }
    return value
}
