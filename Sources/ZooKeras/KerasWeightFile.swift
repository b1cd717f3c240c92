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

    /// `check`, if given, is called with the HDF5 file's path (for a `.keras` archive, the
    /// extracted weights) before the HDF5 library opens it: the CLI validates it there in a
    /// child process, because libhdf5 can crash on malformed files.
    public init(path: String, check: ((String) throws -> Void)? = nil) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error.cannotOpen(file: path, reason: "no such file")
        }
        var config: String? = nil
        var weightsPath = path
        var archiveVersion: String? = nil
        var directory: URL? = nil
        if KerasArchive.isZip(path) {
            let archive = try KerasArchive.extract(path)
            directory = archive.directory
            weightsPath = archive.weightsPath
            config = archive.config
            archiveVersion = archive.kerasVersion
        }
        extracted = directory
        // deinit does not run when init throws, so the extracted archive is removed here then.
        var succeeded = false
        defer { if !succeeded, let directory { try? FileManager.default.removeItem(at: directory) } }
        try check?(weightsPath)
        h5 = try H5File.open(weightsPath)
        let root = h5.root
        if try kind(root, "layers") == .group || kind(root, "_layer_checkpoint_dependencies") == .group {
            layout = extracted != nil ? .kerasArchive : .keras3
            layers = try Self.keras3Layers(root)
            // .weights.h5 records no version; a .keras archive says it in metadata.json.
            kerasVersion = archiveVersion ?? "3"
            backend = nil
        } else {
            var top = root
            if !hasChunked(root, "layer_names"), try kind(root, "model_weights") == .group {
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
        succeeded = true
    }

    deinit {
        if let extracted { try? FileManager.default.removeItem(at: extracted) }
    }

    /// Layers in `layer_names` order, each weight resolved through `weight_names` relative to
    /// its layer group, as Keras's loader does (names may contain '/' and ':').
    private static func legacyLayers(_ top: H5Group, file: String) throws -> [StoredLayer] {
        var budget = ObjectBudget(file: file)
        return try readChunked(top, "layer_names").map { name in
            try budget.spend()
            guard try kind(top, name) == .group else { throw KerasImportError.missingLayerGroup(file: file, layer: name) }
            let group = try top.group(name)
            let weights = try readChunked(group, "weight_names").map { weightName in
                try budget.spend()
                try group.refuseExternalLinks(weightName)
                let ds = try group.dataset(weightName)
                return StoredWeight(name: weightName, dataset: ds.path, shape: ds.shape)
            }
            return StoredLayer(key: name, name: name, weights: weights)
        }.flatMap(openNested)
    }

    /// A nested model (ConvNeXt's stem, a Sequential) is one group of a legacy file holding its
    /// layers' weights, named `<layer>/<var>:0` (tf-keras, whose MobileNetV3 names layers
    /// `Conv/BatchNorm`) or `[<models>/]<layer>/<var>` (Keras 3, which prefixes the models nested
    /// in it): opened into those layers, as Keras's flat list of layers would have them.
    /// Keras writes a nested model's trainable weights before its non-trainable ones (a
    /// BatchNormalization's moving statistics come after every kernel), so one layer's weights
    /// are gathered from wherever they are, in their order, and the layers are kept in the order
    /// they first appear. A group whose names show one layer or none stays as it is.
    private static func openNested(_ stored: StoredLayer) -> [StoredLayer] {
        func inner(_ w: StoredWeight) -> String? {
            var name = Substring(w.name)
            if name.hasPrefix(stored.name + "/") { name = name.dropFirst(stored.name.count + 1) }
            let parts = name.split(separator: "/")
            guard parts.count >= 2 else { return nil }
            // tf-keras's variable names end in `:0` and its layer names may hold '/'; Keras 3
            // names hold no '/' but prefix the models a layer is nested in.
            return parts.last!.contains(":") ? parts.dropLast().joined(separator: "/") : String(parts[parts.count - 2])
        }
        let layers = stored.weights.map(inner)
        guard layers.allSatisfy({ $0 != nil }), Set(layers.compactMap { $0 }).count > 1 else { return [stored] }
        var order: [String] = []
        var weights: [String: [StoredWeight]] = [:]
        for (w, layer) in zip(stored.weights, layers.map { $0! }) {
            if weights[layer] == nil { order.append(layer) }
            weights[layer, default: []].append(w)
        }
        return order.map { StoredLayer(key: stored.key, name: $0, weights: weights[$0]!) }
    }

    /// Keras 3 stores each layer under `<class>[_N]` with its variables as datasets "0", "1", ...;
    /// nested models recurse into their own `layers` group. A hostile file can nest groups
    /// deeply or hard-link a group into itself, so depth and the number of objects are capped.
    private static func keras3Layers(_ root: H5Group) throws -> [StoredLayer] {
        let container = try kind(root, "layers") == .group ? "layers" : "_layer_checkpoint_dependencies"
        var out: [StoredLayer] = []
        var budget = ObjectBudget(file: root.file)
        func walk(_ group: H5Group, prefix: String, depth: Int) throws {
            guard depth < 32 else {
                throw KerasImportError.notKeras(file: root.file, reason: "\(group.path): models nested more than 32 deep (a cyclic group structure?)")
            }
            for key in try group.memberNames().sorted(by: keras3Order) where try kind(group, key) == .group {
                try budget.spend()
                let layer = try group.group(key)
                if try kind(layer, "layers") == .group {
                    try walk(try layer.group("layers"), prefix: prefix + key + "/", depth: depth + 1)
                    continue
                }
                var name = prefix + key
                var weights: [StoredWeight] = []
                if try kind(layer, "vars") == .group {
                    let vars = try layer.group("vars")
                    if let stored = try? vars.stringList("name").first, !stored.isEmpty { name = prefix + stored }
                    let indices = try vars.memberNames().compactMap(Int.init).sorted()
                    weights = try indices.map { i in
                        try budget.spend()
                        try vars.refuseExternalLinks(String(i))
                        let ds = try vars.dataset(String(i))
                        return StoredWeight(name: "vars/\(i)", dataset: ds.path, shape: ds.shape)
                    }
                }
                out.append(StoredLayer(key: prefix + key, name: name, weights: weights))
            }
        }
        try walk(try root.group(container), prefix: "", depth: 0)
        return out
    }

    /// Reads every attribute of the root, `/model_weights` and each legacy layer group, and
    /// every weight in full (discarding it): with the walk in `init`, everything zoo's reader
    /// touches. `zoo check-file` runs this in a child process.
    public func readEverything() throws {
        var holders: [any H5AttributeHolder] = [h5.root]
        if layout != .keras3 && layout != .kerasArchive {
            let top = hasChunked(h5.root, "layer_names") ? h5.root : try h5.root.group("model_weights")
            holders += [top] + (try layers.map { try top.group($0.key) })
        }
        for holder in holders {
            for name in try holder.attributeNames() { _ = try holder.attribute(name) }
        }
        for layer in layers { for weight in layer.weights { _ = try read(weight) } }
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

/// What `name` (read from the file) is, after refusing links that would leave the file.
private func kind(_ group: H5Group, _ name: String) throws -> H5ObjectKind? {
    try group.refuseExternalLinks(name)
    return group.kind(of: name)
}

/// Caps the layers and weights a walk opens, so a file cannot keep the reader busy for hours
/// (a name list of millions of entries, or groups hard-linked into each other).
private struct ObjectBudget {
    let file: String
    var left = 200_000

    mutating func spend() throws {
        left -= 1
        guard left >= 0 else { throw KerasImportError.notKeras(file: file, reason: "more than 200000 layers and weights") }
    }
}
