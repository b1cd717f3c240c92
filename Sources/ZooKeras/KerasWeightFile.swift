import Foundation
import ZooHDF5

/// How a Keras weight file is laid out (KERAS_H5_FORMATS.md).
public enum KerasLayout: String, Sendable, Codable {
    /// Keras 1 legacy HDF5: no keras_version, datasets directly in the layer group
    /// (`block1_conv1/block1_conv1_W_1:0`): the official VGG16 files.
    case keras1 = "keras1-flat"
    /// Keras 2 legacy HDF5 from save_weights: `layer/layer/kernel:0`: the official ResNet50 files.
    case keras2 = "keras2-nested"
    /// Legacy HDF5 full model from model.save: model_config plus the same layout under /model_weights.
    case fullModel = "full-model"
    /// Keras 3 `.weights.h5`: `layers/<class>[_N]/vars/<i>`.
    case keras3 = "keras3-weights"
    /// Keras 3 `.keras` zip: config.json plus model.weights.h5.
    case kerasArchive = "keras-archive"

    public var explanation: String {
        switch self {
        case .keras1: return "Keras 1 legacy HDF5, flat <layer>_W:0 names (the official VGG16 layout)"
        case .keras2: return "Keras 2 legacy HDF5 weights, nested <layer>/<layer>/kernel:0 (the official ResNet50 layout)"
        case .fullModel: return "legacy HDF5 full model (model.save: model_config + model_weights)"
        case .keras3: return "Keras 3 weights (.weights.h5: layers/<class>/vars/<i>)"
        case .kerasArchive: return "Keras 3 archive (.keras zip: config.json + model.weights.h5)"
        }
    }
}

/// One stored variable: its name as the file gives it, its dataset and stored shape.
public struct StoredWeight: Sendable, Codable {
    public let name: String
    public let dataset: String
    public let shape: [Int]
}

/// One layer as stored. `key` is what the file is indexed by: the layer name in legacy files,
/// the `<class>[_N]` path in Keras 3 files (whose real layer name, when known, is `name`).
public struct StoredLayer: Sendable, Codable {
    public let key: String
    public let name: String
    public let weights: [StoredWeight]
}

/// A Keras weight file of any supported kind, read as its ordered list of layers.
/// Values are read lazily, dataset by dataset, so opening a 500 MB file is cheap.
public final class KerasWeightFile {
    public let path: String
    public let layout: KerasLayout
    /// keras_version as recorded, "1" when absent (Keras's own rule for legacy files).
    public let kerasVersion: String
    public let backend: String?
    public let layers: [StoredLayer]
    /// The model's JSON config, for full-model files and .keras archives.
    public let modelConfig: String?
    private let h5: H5File
    private let extracted: URL?

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error.cannotOpen(file: path, reason: "no such file")
        }
        var config: String? = nil
        var weightsPath = path
        var archiveVersion: String? = nil
        if KerasArchive.isZip(path) {
            let archive = try KerasArchive.extract(path)
            extracted = archive.directory
            weightsPath = archive.weightsPath
            config = archive.config
            archiveVersion = archive.kerasVersion
        } else {
            extracted = nil
        }
        h5 = try H5File.open(weightsPath)
        let root = h5.root
        if root.kind(of: "layers") == .group || root.kind(of: "_layer_checkpoint_dependencies") == .group {
            layout = extracted != nil ? .kerasArchive : .keras3
            layers = try Self.keras3Layers(root)
            // .weights.h5 records no version; a .keras archive says it in metadata.json.
            kerasVersion = archiveVersion ?? "3"
            backend = nil
        } else {
            var top = root
            if !hasChunked(root, "layer_names"), root.kind(of: "model_weights") == .group {
                top = try root.group("model_weights")
                if config == nil, root.hasAttribute("model_config") {
                    config = try root.stringList("model_config").first
                }
            }
            guard hasChunked(top, "layer_names") else {
                throw KerasImportError.notKeras(
                    file: path, reason: "no layer_names attribute, no model_weights group and no Keras 3 layers group")
            }
            kerasVersion = (try? top.stringList("keras_version").first) ?? "1"
            backend = try? top.stringList("backend").first
            layers = try Self.legacyLayers(top, file: path)
            if config != nil {
                layout = .fullModel
            } else if kerasVersion == "1" || layers.allSatisfy({ $0.weights.allSatisfy { !$0.name.contains("/") } }) {
                layout = .keras1
            } else {
                layout = .keras2
            }
        }
        modelConfig = config
    }

    deinit {
        if let extracted { try? FileManager.default.removeItem(at: extracted) }
    }

    /// Layers in `layer_names` order, each weight resolved through `weight_names` relative to
    /// its layer group, as Keras's loader does (names may contain '/' and ':').
    private static func legacyLayers(_ top: H5Group, file: String) throws -> [StoredLayer] {
        try readChunked(top, "layer_names").map { name in
            guard top.kind(of: name) == .group else { throw KerasImportError.missingLayerGroup(file: file, layer: name) }
            let group = try top.group(name)
            let weights = try readChunked(group, "weight_names").map { weightName in
                let ds = try group.dataset(weightName)
                return StoredWeight(name: weightName, dataset: ds.path, shape: ds.shape)
            }
            return StoredLayer(key: name, name: name, weights: weights)
        }
    }

    /// Keras 3 stores each layer under `<class>[_N]` with its variables as datasets "0", "1", ...;
    /// nested models recurse into their own `layers` group.
    private static func keras3Layers(_ root: H5Group) throws -> [StoredLayer] {
        let container = root.kind(of: "layers") == .group ? "layers" : "_layer_checkpoint_dependencies"
        var out: [StoredLayer] = []
        func walk(_ group: H5Group, prefix: String) throws {
            for key in try group.memberNames().sorted(by: keras3Order) where group.kind(of: key) == .group {
                let layer = try group.group(key)
                if layer.kind(of: "layers") == .group {
                    try walk(try layer.group("layers"), prefix: prefix + key + "/")
                    continue
                }
                var name = prefix + key
                var weights: [StoredWeight] = []
                if layer.kind(of: "vars") == .group {
                    let vars = try layer.group("vars")
                    if let stored = try? vars.stringList("name").first, !stored.isEmpty { name = prefix + stored }
                    let indices = try vars.memberNames().compactMap(Int.init).sorted()
                    weights = try indices.map { i in
                        let ds = try vars.dataset(String(i))
                        return StoredWeight(name: "vars/\(i)", dataset: ds.path, shape: ds.shape)
                    }
                }
                out.append(StoredLayer(key: prefix + key, name: name, weights: weights))
            }
        }
        try walk(try root.group(container), prefix: "")
        return out
    }

    public func read(_ weight: StoredWeight) throws -> [Float] {
        try h5.root.dataset(weight.dataset).readFloats()
    }

    public var weightedLayers: [StoredLayer] { layers.filter { !$0.weights.isEmpty } }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.reduce(0) { $0 + $1.shape.reduce(1, *) } } }
}

/// Keras 3 names repeated classes `conv2d`, `conv2d_1`, ..., `conv2d_10`: order them by class,
/// then by counter, instead of HDF5's alphabetical order.
func keras3Order(_ a: String, _ b: String) -> Bool {
    let (ca, na) = splitCounter(a), (cb, nb) = splitCounter(b)
    return ca == cb ? na < nb : ca < cb
}

func splitCounter(_ key: String) -> (String, Int) {
    if let u = key.lastIndex(of: "_"), let n = Int(key[key.index(after: u)...]) {
        return (String(key[..<u]), n)
    }
    return (key, 0)
}

/// Keras splits long name lists over `name0`, `name1`, ... when one attribute would overflow the
/// 64 KB object header.
func readChunked(_ holder: some H5AttributeHolder, _ name: String) throws -> [String] {
    if holder.hasAttribute(name) { return try holder.stringList(name) }
    var out: [String] = []
    var i = 0
    while holder.hasAttribute("\(name)\(i)") {
        out += try holder.stringList("\(name)\(i)")
        i += 1
    }
    return out
}

func hasChunked(_ holder: some H5AttributeHolder, _ name: String) -> Bool {
    holder.hasAttribute(name) || holder.hasAttribute("\(name)0")
}
