import Foundation
import ZIPFoundation
import ZooHDF5
import ZooLayers
import ZooSupport

/// Writes `model` as a Keras 3 `.keras` archive, laid out as Keras 3's `saving_lib` writes one:
/// a zip (entries stored, in Keras's order) of `metadata.json`, `config.json` (the Functional
/// config with Keras 3's `inbound_nodes` and modules) and `model.weights.h5`, where each layer's
/// weights sit under `layers/<snake_case class name>[_n]/vars/<i>` in `model.layers` order.
/// `classNames` go into metadata.json, which Keras does not read back. Written to a temporary
/// file and renamed, so `path` never holds a partial archive.
public func exportKerasArchive(_ model: Model, classNames: [String]? = nil, to path: String) throws {
    let config = try withApplicationModules(try model.graph.kerasJSON(kerasVersion: nil, inboundNodes: .keras3))
    var metadata: [String: Any] = ["keras_version": kerasArchiveVersion, "date_saved": kerasDateSaved(Date())]
    if let classNames { metadata["class_names"] = classNames }
    let metadataJSON = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])
    let staging = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-keras-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: staging) }
    try metadataJSON.write(to: staging.appendingPathComponent("metadata.json"))
    try Data(config.utf8).write(to: staging.appendingPathComponent("config.json"))
    try writeKeras3Weights(model, into: try H5File.create(staging.appendingPathComponent("model.weights.h5").path))
    try AtomicOutput.write(to: path) { temporary in
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
        } catch {
            throw OutputError(path: path, reason: "cannot create a zip (\(error))")
        }
        for entry in ["metadata.json", "config.json", "model.weights.h5"] {
            try archive.addEntry(with: entry, relativeTo: staging, compressionMethod: .none)
        }
    }
}

/// Classes that keras.applications defines for itself, by the module Keras 3 imports them from.
/// They are no `keras.layers` class: a config naming that module for them does not load, so
/// they name their own, with their class as `registered_name`, as Keras 3 writes them.
let kerasApplicationModules = [
    "LayerScale": "keras.src.applications.convnext",
    "StochasticDepth": "keras.src.applications.convnext",
    "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
]

/// A Keras 3 model config (JSON) with `kerasApplicationModules`' classes given their module.
func withApplicationModules(_ json: String) throws -> String {
    guard var root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
          var config = root["config"] as? [String: Any], let layers = config["layers"] as? [[String: Any]],
          layers.contains(where: { kerasApplicationModules[$0["class_name"] as? String ?? ""] != nil }) else { return json }
    config["layers"] = layers.map { layer -> [String: Any] in
        guard let cls = layer["class_name"] as? String, let module = kerasApplicationModules[cls] else { return layer }
        return layer.merging(["module": module, "registered_name": cls]) { $1 }
    }
    root["config"] = config
    return String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)
}

/// The Keras release whose `.keras` layout the archives follow.
public let kerasArchiveVersion = "3.15.1"

/// Keras's `date_saved` format, `%Y-%m-%d@%H:%M:%S` in local time.
func kerasDateSaved(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
    return formatter.string(from: date)
}

/// `model.weights.h5` of a Functional model: `/vars` (the model's own, none) and one
/// `layers/<key>/vars` group per layer, every group named by its layer (`name` attribute), the
/// weights as datasets `0`, `1`, ... in Keras's variable order.
func writeKeras3Weights(_ model: Model, into file: H5File) throws {
    try file.root.createGroup("vars").setAttribute("name", .string(model.name))
    let layers = try file.root.createGroup("layers")
    var used: [String: Int] = [:]
    for layer in model.layers {
        var key = kerasSnakeCase(layer.className)
        if let n = used[key] {
            used[key] = n + 1
            key += "_\(n + 1)"
        } else {
            used[key] = 0
        }
        let vars = try layers.createGroup(key).createGroup("vars")
        try vars.setAttribute("name", .string(layer.name))
        for (i, w) in layer.weights.enumerated() {
            _ = try vars.createDataset(String(i), shape: w.shape, floats: w.value.data)
        }
    }
    try file.flush()
}

/// Keras's `naming.to_snake_case`: "GlobalAveragePooling2D" -> "global_average_pooling2d",
/// "Conv2D" -> "conv2d", "InputLayer" -> "input_layer".
func kerasSnakeCase(_ name: String) -> String {
    let chars = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
    // (.)([A-Z][a-z]+) -> \1_\2, left to right without overlaps.
    var first: [Character] = []
    var i = 0
    while i < chars.count {
        first.append(chars[i])
        if i + 2 < chars.count, chars[i + 1].isUppercase, chars[i + 2].isLowercase {
            first.append("_")
        }
        i += 1
    }
    // ([a-z])([A-Z]) -> \1_\2, then lower case.
    var out: [Character] = []
    for (j, c) in first.enumerated() {
        out.append(c)
        if c.isLowercase, j + 1 < first.count, first[j + 1].isUppercase { out.append("_") }
    }
    return String(out).lowercased()
}
