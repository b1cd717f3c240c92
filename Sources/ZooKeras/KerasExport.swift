import Foundation
import ZIPFoundation
import ZooHDF5
import ZooLayers
import ZooTensor

/// The tf-keras `model.to_json()` of a model: a flat Functional config with legacy
/// `inbound_nodes`, which both tf-keras and Keras 3 (legacy .h5 loading) read.
public func kerasModelConfig(_ model: Model, kerasVersion: String = exportKerasVersion) throws -> String {
    try model.graph.kerasJSON(kerasVersion: kerasVersion)
}

/// The Keras version exported files claim: the tf-keras release whose legacy format they follow.
public let exportKerasVersion = "2.21.0"

/// Writes `model` as a legacy Keras full-model HDF5 file (what `model.save("m.h5")` writes):
/// root `model_config`, `keras_version`, `backend`, and `/model_weights` in the nested
/// `layer/layer/kernel:0` layout with `layer_names`/`weight_names`. Written to a temporary file
/// and renamed, so `path` never holds a partial model. `classNames` (index = label) go into a
/// root `class_names` attribute, which Keras's loaders do not read.
public func exportKerasModel(_ model: Model, classNames: [String]? = nil, to path: String) throws {
    let model = try withStandardHardActivations(model)
    let config = try kerasModelConfig(model)
    try writeHDF5Atomically(path) { file in
        let root = file.root
        try root.setAttribute("model_config", .string(config))
        if let classNames, !classNames.isEmpty { try root.setAttribute("class_names", .strings(classNames)) }
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

/// The class names zoo stored with an exported model: the `class_names` attribute of a `.h5`,
/// or `class_names` in a `.keras` archive's metadata.json; nil for models without them (Keras's
/// own files). Read from a file that already loaded as a model.
public func exportedClassNames(_ path: String) throws -> [String]? {
    if KerasArchive.isZip(path) {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch { return nil }
        guard let entry = archive["metadata.json"], entry.type == .file,
              entry.uncompressedSize <= KerasArchive.maxTextBytes else { return nil }
        var data = Data()
        // The claimed size bounds what is inflated, whatever the entry really holds.
        _ = try archive.extract(entry, skipCRC32: false) { chunk in
            data.append(chunk)
            if data.count > Int(entry.uncompressedSize) { throw CocoaError(.fileReadTooLarge) }
        }
        guard let metadata = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return metadata["class_names"] as? [String]
    }
    let root = try H5File.open(path).root
    return root.hasAttribute("class_names") ? try root.stringList("class_names") : nil
}

/// `model` with its hard activations written as layers every Keras computes alike, for legacy
/// HDF5, which tf-keras loads too: tf-keras's `hard_sigmoid` is another function (clip(0.2 x +
/// 0.5, 0, 1)) and it has no `hard_silu`/`hard_swish`, so `Activation("hard_sigmoid")` would
/// load with other numbers and `Activation("hard_swish")` not at all. hard_sigmoid(x) = relu6(x
/// + 3) / 6 becomes Rescaling(offset 3) -> ReLU(max_value 6) -> Rescaling(1/6), hard_silu(x) =
/// x * hard_sigmoid(x) those and a Multiply with x; the last layer keeps the activation's name,
/// so the layers after it read it unchanged. Every other layer is the model's own (weights
/// shared, not copied). A model without hard activations is returned as it is.
public func withStandardHardActivations(_ model: Model) throws -> Model {
    let hard: Set<Activation> = [.hardSigmoid, .hardSilu, .hardSwish]
    guard model.layers.contains(where: { ($0 as? ActivationLayer).map { hard.contains($0.activation) } ?? false }) else {
        return model
    }
    let out = Model(name: model.name)
    var names = Set(model.layers.map(\.name))
    func fresh(_ base: String) -> String {
        var name = base, n = 1
        while names.contains(name) {
            name = "\(base)_\(n)"
            n += 1
        }
        names.insert(name)
        return name
    }
    for node in model.nodes {
        guard let a = node.layer as? ActivationLayer, hard.contains(a.activation) else {
            try out(node.layer, node.inputs)
            continue
        }
        let x = node.inputs[0], silu = a.activation != .hardSigmoid
        var y = try out(Rescaling(fresh("\(a.name)_plus_3"), scale: 1, offset: 3), x)
        y = try out(ReLU(name: fresh("\(a.name)_relu6"), maxValue: 6), y)
        let sigmoid = Rescaling(silu ? fresh("\(a.name)_hard_sigmoid") : a.name, scale: 1.0 / 6.0)
        y = try out(sigmoid, y)
        if silu { try out(Multiply(name: a.name), x, y) }
        for layer in out.layers.suffix(silu ? 4 : 3) { layer.trainable = a.trainable }
    }
    return out
}
