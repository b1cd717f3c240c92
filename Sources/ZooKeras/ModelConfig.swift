import Foundation
import ZooLayers
import ZooTensor

/// Builds a `Model` from a Keras model config (`model.to_json()`, the `model_config` attribute of
/// a full-model .h5, or `config.json` in a .keras archive), for the supported layer classes.
/// Both the tf-keras form (`inbound_nodes: [[["layer", 0, 0, {}]]]`) and the Keras 3 form
/// (`inbound_nodes: [{"args": [{"class_name": "__keras_tensor__", ...}]}]`) are read.
/// Nothing in a config is ever executed: Lambda layers and custom objects are refused by name.
public func modelFromConfig(_ json: String, file: String) throws -> Model {
    try checkJSONLimits(json.utf8, file: file, what: "model config")
    guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
        throw KerasImportError.badConfig(file: file, reason: "not a JSON object")
    }
    let className = root["class_name"] as? String ?? ""
    guard let config = root["config"] as? [String: Any], let layers = config["layers"] as? [[String: Any]] else {
        throw KerasImportError.badConfig(file: file, reason: "no config.layers list (class \(className))")
    }
    let model = Model(name: config["name"] as? String ?? "model")
    var previous: String? = nil
    for spec in layers {
        let cls = spec["class_name"] as? String ?? "?"
        let lc = spec["config"] as? [String: Any] ?? [:]
        guard let name = (spec["name"] as? String) ?? (lc["name"] as? String) else {
            throw KerasImportError.badConfig(file: file, reason: "a \(cls) layer has no name")
        }
        let type = try layerClass(cls, layer: name, file: file)
        let layerConfig = KerasLayerConfig(layer: name, className: cls, values: lc)
        if type is InputLayer.Type {
            guard model.nodes.isEmpty else {
                throw KerasImportError.badConfig(file: file, reason: "input \(name) is a second input; only single-input models are supported")
            }
            previous = try add(try reading(file) { try InputLayer(name: name, config: layerConfig) }, [], to: model, file: file)
            continue
        }
        var inputs = try inboundLayers(spec["inbound_nodes"], layer: name, file: file)
        if className == "Sequential" {
            if model.nodes.isEmpty {
                // A Sequential config without an InputLayer keeps the shape on its first layer.
                previous = try add(try reading(file) { try InputLayer(name: "input_1", config: layerConfig) }, [],
                                   to: model, file: file)
            }
            inputs = [previous!]
        }
        // Layers index their inputs when built: Add merges two or more, most classes take one.
        guard type.inputCount.contains(inputs.count) else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name) (\(cls)) has \(inputs.count) inputs")
        }
        let layer = try reading(file) { try type.init(name: name, config: layerConfig) }
        layer.trainable = lc["trainable"] as? Bool ?? true
        // Layers allocate their weights when built, so the count is checked before.
        let count = layer.weightCount(inputShapes: inputs.compactMap { model.node(named: $0)?.outputShape })
        guard count <= Double(maxWeightElements) else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name) would have \(Int(count)) weights, more than the \(maxWeightElements) zoo allows")
        }
        previous = try add(layer, inputs, to: model, file: file)
    }
    guard model.nodes.count > 1 else { throw KerasImportError.badConfig(file: file, reason: "the model has no layers") }
    if let outputs = config["output_layers"] as? [Any], let first = outputs.first as? [Any],
       let out = first.first as? String, out != model.nodes.last!.layer.name {
        throw KerasImportError.badConfig(file: file, reason: "output \(out) is not the last layer; only single-output chains ending in their output are supported")
    }
    return model
}

/// Limits on a config's text, which is untrusted: Foundation's JSON parser recurses once per level
/// of nesting. Keras's own configs are tens of kilobytes and about 12 levels deep. The limits on
/// the numbers in it (`maxHyperparameter` and the like) are ZooLayers', which reads them.
let maxConfigBytes = 64 << 20
let maxConfigDepth = 100

/// Refuses JSON over `maxConfigBytes` or nested deeper than `maxConfigDepth`, before parsing.
func checkJSONLimits(_ bytes: some Collection<UInt8>, file: String, what: String) throws {
    guard bytes.count <= maxConfigBytes else {
        throw KerasImportError.badConfig(file: file, reason: "\(what) is \(bytes.count) bytes, more than the \(maxConfigBytes >> 20) MiB zoo reads")
    }
    var depth = 0, inString = false, escaped = false
    for byte in bytes {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            guard depth <= maxConfigDepth else {
                throw KerasImportError.badConfig(file: file, reason: "\(what) is nested more than \(maxConfigDepth) levels deep")
            }
        case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
        default: break
        }
    }
}

private func inboundLayers(_ nodes: Any?, layer: String, file: String) throws -> [String] {
    guard let nodes = nodes as? [Any], let node = nodes.first else { return [] }
    if nodes.count > 1 {
        throw KerasImportError.badConfig(file: file, reason: "layer \(layer) is shared (called \(nodes.count) times); not supported")
    }
    if let legacy = node as? [Any] {
        return legacy.compactMap { ($0 as? [Any])?.first as? String }
    }
    // Keras 3: find every keras_history in the call's args.
    var found: [String] = []
    func walk(_ v: Any) {
        if let d = v as? [String: Any] {
            if let c = d["config"] as? [String: Any], let h = c["keras_history"] as? [Any], let n = h.first as? String {
                found.append(n)
            } else {
                d.values.forEach(walk)
            }
        } else if let a = v as? [Any] {
            a.forEach(walk)
        }
    }
    walk((node as? [String: Any])?["args"] ?? [])
    return found
}

/// The registered class for `className`. Lambda layers are refused by name before anything else:
/// they hold Python code (marshalled bytecode), which zoo never runs.
private func layerClass(_ className: String, layer: String, file: String) throws -> any KerasLayer.Type {
    if ["Lambda", "TFOpLambda", "SlicingOpLambda"].contains(className) {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                hint: "it holds Python code, which zoo never runs")
    }
    guard let type = kerasLayerClass(named: className) else {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className, hint: "")
    }
    return type
}

/// Runs `body`, which reads a layer's config, reporting its errors against `file`.
private func reading<T>(_ file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let LayerError.unsupported(layer, className, hint) {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className, hint: hint)
    } catch let error as LayerError {
        throw KerasImportError.badConfig(file: file, reason: "\(error)")
    }
}

/// Builds `layer` into `model`, refusing layer outputs over `maxActivationElements` values per
/// sample (the input's size is only limited per axis: a Resizing may shrink it at once).
private func add(_ layer: Layer, _ inputs: [String], to model: Model, file: String) throws -> String {
    let name = try reading(file) { try model(layer, inputs) }
    if layer is InputLayer { return name }
    let shape = model.nodes.last!.outputShape
    let elements = shape.reduce(1.0) { $0 * Double($1) }
    guard elements <= Double(maxActivationElements) else {
        throw KerasImportError.badConfig(file: file, reason: "layer \(name) outputs \(describeShape(shape)) = \(Int(elements)) values per sample, more than the \(maxActivationElements) zoo allows")
    }
    return name
}
