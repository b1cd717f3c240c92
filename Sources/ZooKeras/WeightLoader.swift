import Foundation
import ZooLayers
import ZooTensor

/// How file layers are matched to model layers: by position among the weighted layers
/// (Keras's default, what keras.applications uses) or by layer name.
public enum LoadMode: String, Sendable, Codable {
    case topological
    case byName = "by-name"
}

public enum LoadStatus: String, Sendable, Codable {
    case loaded, missing, unexpected
    case shapeMismatch = "shape-mismatch"
    case nameMismatch = "name-mismatch"
    case countMismatch = "count-mismatch"
}

/// One line of the load report: a model parameter (or an unused stored one) and what became of it.
public struct LoadEntry: Sendable, Codable {
    public let layer: String
    public let weight: String
    public let expectedShape: [Int]?
    public let source: String?
    public let storedShape: [Int]?
    public let status: LoadStatus
}

public struct LoadReport: Sendable, Codable {
    public let file: String
    public let layout: KerasLayout
    public let kerasVersion: String
    public let mode: LoadMode
    public let entries: [LoadEntry]

    /// Everything that stops a load. In by-name mode extra layers in the file are expected (that
    /// is what by-name loading is for), so they are reported but do not count.
    public var problems: [LoadEntry] {
        entries.filter { $0.status != .loaded && !($0.status == .unexpected && mode == .byName) }
    }

    public var loadedCount: Int { entries.filter { $0.status == .loaded }.count }

    public func problemSentence(_ e: LoadEntry) -> String {
        let expected = e.expectedShape.map { describeShape($0, batch: false) } ?? "-"
        let found = e.storedShape.map { describeShape($0, batch: false) } ?? "-"
        switch e.status {
        case .missing: return "layer \(e.layer): \(e.weight) \(expected) is missing from the file"
        case .unexpected: return "the file's \(e.source ?? e.layer) \(found) matches no layer of the model"
        case .shapeMismatch: return "layer \(e.layer): \(e.weight) expected \(expected), found \(found) at \(e.source ?? "?")"
        case .nameMismatch: return "layer \(e.layer): expected \(e.weight), found \(e.source ?? "?")"
        case .countMismatch: return "layer \(e.layer): weight count differs from the file's \(e.source ?? "?")"
        case .loaded: return "layer \(e.layer): \(e.weight) loaded"
        }
    }

    /// Throws one line naming the first problem, if there is any.
    public func check() throws {
        let p = problems
        if let first = p.first {
            throw KerasImportError.weightProblems(file: file, count: p.count, first: problemSentence(first))
        }
    }

    public func table() -> String {
        var rows = [["layer", "weight", "expected", "source dataset", "stored", "status"]]
        for e in entries {
            rows.append([e.layer, e.weight, e.expectedShape.map { describeShape($0, batch: false) } ?? "",
                         e.source ?? "", e.storedShape.map { describeShape($0, batch: false) } ?? "", e.status.rawValue])
        }
        let widths = (0..<6).map { c in rows.map { $0[c].count }.max()! }
        var out = rows.map { r in zip(r, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
            .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        out.insert(String(repeating: "-", count: widths.reduce(0, +) + 10), at: 1)
        let counts = Dictionary(grouping: entries, by: \.status).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
        out.append("")
        out.append("\(file): \(layout.explanation), keras_version \(kerasVersion), \(mode.rawValue) loading")
        out.append(counts.joined(separator: ", "))
        return out.joined(separator: "\n")
    }
}

/// Matches a Keras weight file to a model, checks every shape, and copies the values only if
/// nothing is wrong, so a failed load never leaves a half-loaded model.
public func loadWeights(into model: Model, from file: KerasWeightFile, mode: LoadMode = .topological) throws -> LoadReport {
    let pairs = pairLayers(model: model, file: file, mode: mode)
    var entries: [LoadEntry] = []
    var plan: [(Weight, StoredWeight)] = []
    for (layer, stored) in pairs.matched {
        if stored.weights.count != layer.weights.count {
            for w in layer.weights {
                entries.append(LoadEntry(layer: layer.name, weight: w.name, expectedShape: w.shape,
                                         source: "\(stored.key) (\(stored.weights.count) weights, model has \(layer.weights.count))",
                                         storedShape: nil, status: .countMismatch))
            }
            continue
        }
        for (w, s) in zip(layer.weights, stored.weights) {
            let status: LoadStatus
            if !roleMatches(stored: s.name, expected: w.role) {
                status = .nameMismatch
            } else if s.shape != w.shape {
                status = .shapeMismatch
            } else {
                status = .loaded
                plan.append((w, s))
            }
            entries.append(LoadEntry(layer: layer.name, weight: w.name, expectedShape: w.shape, source: s.dataset,
                                     storedShape: s.shape, status: status))
        }
    }
    for layer in pairs.missing {
        for w in layer.weights {
            entries.append(LoadEntry(layer: layer.name, weight: w.name, expectedShape: w.shape, source: nil,
                                     storedShape: nil, status: .missing))
        }
    }
    for stored in pairs.unexpected {
        for s in stored.weights {
            entries.append(LoadEntry(layer: stored.name, weight: s.name, expectedShape: nil, source: s.dataset,
                                     storedShape: s.shape, status: .unexpected))
        }
    }
    let report = LoadReport(file: file.path, layout: file.layout, kerasVersion: file.kerasVersion, mode: mode,
                            entries: entries)
    if report.problems.isEmpty {
        for (w, s) in plan { w.value = Tensor(shape: w.shape, data: try file.read(s)) }
    }
    return report
}

struct LayerPairs {
    var matched: [(Layer, StoredLayer)] = []
    var missing: [Layer] = []
    var unexpected: [StoredLayer] = []
}

func pairLayers(model: Model, file: KerasWeightFile, mode: LoadMode) -> LayerPairs {
    var pairs = LayerPairs()
    let weighted = model.weightedLayers
    let keras3 = file.layout == .keras3 || file.layout == .kerasArchive
    switch (mode, keras3) {
    case (.topological, false):
        // Keras pairs the n-th weighted layer of the model with the n-th weighted layer of the file.
        let stored = file.weightedLayers
        for (i, layer) in weighted.enumerated() {
            if i < stored.count { pairs.matched.append((layer, stored[i])) } else { pairs.missing.append(layer) }
        }
        pairs.unexpected = Array(stored.dropFirst(weighted.count))
    case (.topological, true):
        // Keras 3 finds each layer under the snake_case class name plus a per-class counter.
        let keys = keras3Keys(model)
        let byKey = Dictionary(file.layers.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var used = Set<String>()
        for layer in weighted {
            if let s = byKey[keys[layer.name]!] {
                pairs.matched.append((layer, s))
                used.insert(s.key)
            } else {
                pairs.missing.append(layer)
            }
        }
        pairs.unexpected = file.weightedLayers.filter { !used.contains($0.key) }
    case (.byName, _):
        let byName = Dictionary(file.layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let scoped = scopedNameMatches(model: weighted.map(\.name), file: file.layers)
        var used = Set<String>()
        for layer in weighted {
            if let s = byName[layer.name] ?? scoped[layer.name] {
                pairs.matched.append((layer, s))
                used.insert(s.key)
            } else {
                pairs.missing.append(layer)
            }
        }
        pairs.unexpected = file.weightedLayers.filter { !used.contains($0.key) }
    }
    return pairs
}

/// tf.keras's builders scoped layer names with `/` in CamelCase where Keras 3's join them with
/// `_` in lower case, and its `/BatchNorm` suffix became `_bn`: the official MobileNetV3 files
/// have `Conv/BatchNorm`, `expanded_conv/squeeze_excite/Conv_1` and `Logits` for Keras 3's
/// `conv_bn`, `expanded_conv_squeeze_excite_conv_1` and `logits`. A model layer that the file
/// does not have under its own name is matched to the one file layer of that spelling, when no
/// other model layer has that file layer's name and no other file layer shares the spelling.
func scopedNameMatches(model names: [String], file layers: [StoredLayer]) -> [String: StoredLayer] {
    func spelling(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "/batchnorm", with: "_bn").replacingOccurrences(of: "/", with: "_")
    }
    let modelNames = Set(names)
    let fileNames = Set(layers.map(\.name))
    let candidates = Dictionary(grouping: layers.filter { !modelNames.contains($0.name) }, by: { spelling($0.name) })
    let modelSpellings = Dictionary(grouping: names, by: spelling)
    var out: [String: StoredLayer] = [:]
    for name in names where !fileNames.contains(name) {
        let key = spelling(name)
        if let found = candidates[key], found.count == 1, modelSpellings[key]?.count == 1 { out[name] = found[0] }
    }
    return out
}

/// The `layers/<key>` path Keras 3 saves each layer of `model` under; a layer of a nested
/// model (`Model.nestedIn`) is counted within it, under its key.
public func keras3Keys(_ model: Model) -> [String: String] {
    var counters: [String: Int] = [:]
    var keys: [String: String] = [:]
    for layer in model.layers {
        let prefix = model.nestedIn[layer.name].map { $0 + "/" } ?? ""
        let base = prefix + snakeCase(layer.className)
        if let n = counters[base] {
            counters[base] = n + 1
            keys[layer.name] = "\(base)_\(n + 1)"
        } else {
            counters[base] = 0
            keys[layer.name] = base
        }
    }
    return keys
}

/// Keras's `to_snake_case`: `Conv2D` -> `conv2d`, `BatchNormalization` -> `batch_normalization`,
/// `ReLU` -> `re_lu`.
public func snakeCase(_ name: String) -> String {
    var s = name.replacingOccurrences(of: "\\W+", with: "", options: .regularExpression)
    s = s.replacingOccurrences(of: "(.)([A-Z][a-z]+)", with: "$1_$2", options: .regularExpression)
    s = s.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression)
    return s.lowercased()
}

/// Checks a stored variable name against the role the model expects at that position, under any
/// of the role's names (Keras 1's `_W`, `_running_std`, ...) and with a `_1` uniquifier; Keras 3
/// files have no names (`vars/0`), so position is all there is.
func roleMatches(stored: String, expected role: WeightRole) -> Bool {
    if stored.hasPrefix("vars/") { return true }
    var leaf = String(stored.split(separator: "/").last ?? "")
    if let colon = leaf.lastIndex(of: ":") { leaf = String(leaf[..<colon]) }
    let candidates = [leaf, leaf.replacingOccurrences(of: "_[0-9]+$", with: "", options: .regularExpression)]
    return role.names.contains { alias in
        candidates.contains { $0 == alias || $0.hasSuffix("_" + alias) }
    }
}
