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
        if cls == "InputLayer" {
            guard model.nodes.isEmpty else {
                throw KerasImportError.badConfig(file: file, reason: "input \(name) is a second input; only single-input models are supported")
            }
            let shape = (lc["batch_input_shape"] ?? lc["batch_shape"]) as? [Any] ?? []
            let dims = shape.dropFirst().compactMap { $0 as? Int }
            guard dims.count == shape.count - 1, !dims.isEmpty else {
                throw KerasImportError.badConfig(file: file, reason: "input \(name) has no fixed shape (\(shape))")
            }
            try checkSizes(dims, "input \(name) shape", file: file)
            try model.input(name, shape: dims)
            previous = name
            continue
        }
        var inputs = try inboundLayers(spec["inbound_nodes"], layer: name, file: file)
        if className == "Sequential" {
            if model.nodes.isEmpty {
                // A Sequential config without an InputLayer keeps the shape on its first layer.
                let shape = (lc["batch_input_shape"] ?? lc["batch_shape"]) as? [Any] ?? []
                let dims = shape.dropFirst().compactMap { $0 as? Int }
                guard !dims.isEmpty else { throw KerasImportError.badConfig(file: file, reason: "no input shape") }
                try checkSizes(dims, "input shape", file: file)
                previous = try model.input("input_1", shape: dims)
            }
            inputs = [previous!]
        }
        // Layers index their inputs when built: Add merges two or more, every other class takes one.
        guard cls == "Add" ? inputs.count >= 2 : inputs.count == 1 else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name) (\(cls)) has \(inputs.count) inputs")
        }
        let layer = try makeLayer(cls, name: name, config: lc, file: file)
        layer.trainable = lc["trainable"] as? Bool ?? true
        try checkWeightCount(layer, inputs: inputs, model: model, file: file)
        do {
            previous = try model(layer, inputs)
        } catch {
            throw KerasImportError.badConfig(file: file, reason: "\(error)")
        }
        let elements = model.nodes.last!.outputShape.reduce(1.0) { $0 * Double($1) }
        guard elements <= Double(maxActivationElements) else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name) outputs \(describeShape(model.nodes.last!.outputShape)) = \(Int(elements)) values per sample, more than the \(maxActivationElements) zoo allows")
        }
    }
    guard model.nodes.count > 1 else { throw KerasImportError.badConfig(file: file, reason: "the model has no layers") }
    if let outputs = config["output_layers"] as? [Any], let first = outputs.first as? [Any],
       let out = first.first as? String, out != model.nodes.last!.layer.name {
        throw KerasImportError.badConfig(file: file, reason: "output \(out) is not the last layer; only single-output chains ending in their output are supported")
    }
    return model
}

/// Limits on a config, which is untrusted: Foundation's JSON parser recurses once per level of
/// nesting, and every number becomes a tensor size or a divisor. Keras's own configs are tens of
/// kilobytes, about 12 levels deep, and VGG16's largest kernel has 103 million values.
let maxConfigBytes = 64 << 20
let maxConfigDepth = 100
let maxHyperparameter = 1 << 20
let maxWeightElements = 1 << 28
let maxActivationElements = 1 << 24

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

/// Sizes from a config must be positive and at most `maxHyperparameter`.
private func checkSizes(_ values: [Int], _ what: String, file: String, minimum: Int = 1) throws {
    guard values.allSatisfy({ (minimum...maxHyperparameter).contains($0) }) else {
        throw KerasImportError.badConfig(file: file, reason: "\(what) \(values) is out of range \(minimum)...\(maxHyperparameter)")
    }
}

/// Layers allocate their weights when built, so the count is checked before.
private func checkWeightCount(_ layer: Layer, inputs: [String], model: Model, file: String) throws {
    let fanIn = Double(inputs.first.flatMap { n in model.nodes.first { $0.layer.name == n } }?.outputShape.last ?? 0)
    let count: Double
    switch layer {
    case let conv as Conv2D: count = Double(conv.kernelSize.0) * Double(conv.kernelSize.1) * fanIn * Double(conv.filters)
    case let dense as Dense: count = fanIn * Double(dense.units)
    default: return
    }
    guard count <= Double(maxWeightElements) else {
        throw KerasImportError.badConfig(file: file, reason: "layer \(layer.name) would have \(Int(count)) weights, more than the \(maxWeightElements) zoo allows")
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

private func makeLayer(_ cls: String, name: String, config c: [String: Any], file: String) throws -> Layer {
    func anyPair(_ key: String, default d: (Int, Int)) throws -> (Int, Int) {
        switch c[key] {
        case let v as Int: return (v, v)
        case let v as [Any] where v.count == 2:
            guard let a = v[0] as? Int, let b = v[1] as? Int else { break }
            return (a, b)
        case nil, is NSNull: return d
        default: break
        }
        throw KerasImportError.badConfig(file: file, reason: "layer \(name): cannot read \(key) = \(String(describing: c[key]!))")
    }
    func pair(_ key: String, default d: (Int, Int)) throws -> (Int, Int) {
        let p = try anyPair(key, default: d)
        try checkSizes([p.0, p.1], "layer \(name): \(key)", file: file)
        return p
    }
    func size(_ key: String, minimum: Int = 1) throws -> Int? {
        guard let v = c[key] as? Int else { return nil }
        try checkSizes([v], "layer \(name): \(key)", file: file, minimum: minimum)
        return v
    }
    func padding() throws -> Padding {
        let p = c["padding"] as? String ?? "valid"
        guard let v = Padding(rawValue: p) else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "padding \(p)")
        }
        return v
    }
    func activation(_ key: String = "activation") throws -> Activation {
        let a = c[key] as? String ?? "linear"
        guard let v = Activation(rawValue: a) else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "activation \(a)")
        }
        return v
    }
    func requireChannelsLast() throws {
        if let f = c["data_format"] as? String, f != "channels_last" {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "data_format \(f)")
        }
    }
    switch cls {
    case "Conv2D":
        try requireChannelsLast()
        if try pair("dilation_rate", default: (1, 1)) != (1, 1) || (c["groups"] as? Int ?? 1) != 1 {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "dilation or groups")
        }
        guard let filters = try size("filters") else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name): Conv2D without filters")
        }
        return Conv2D(name, filters: filters, kernelSize: try pair("kernel_size", default: (1, 1)),
                      strides: try pair("strides", default: (1, 1)), padding: try padding(),
                      activation: try activation(), useBias: c["use_bias"] as? Bool ?? true)
    case "Dense":
        guard let units = try size("units") else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name): Dense without units")
        }
        return Dense(name, units: units, activation: try activation(), useBias: c["use_bias"] as? Bool ?? true)
    case "BatchNormalization":
        let axis = (c["axis"] as? Int) ?? ((c["axis"] as? [Int])?.first) ?? -1
        guard axis == -1 || axis == 3 else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "axis \(axis)")
        }
        return BatchNormalization(name, epsilon: Float(c["epsilon"] as? Double ?? 1e-3),
                                  center: c["center"] as? Bool ?? true, scale: c["scale"] as? Bool ?? true)
    case "MaxPooling2D", "AveragePooling2D":
        try requireChannelsLast()
        let pool = try pair("pool_size", default: (2, 2))
        return Pooling2D(name, cls == "MaxPooling2D" ? .max : .average, poolSize: pool,
                         strides: try pair("strides", default: pool), padding: try padding())
    case "GlobalAveragePooling2D", "GlobalMaxPooling2D":
        try requireChannelsLast()
        if c["keepdims"] as? Bool == true {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "keepdims")
        }
        return GlobalPooling2D(name, cls == "GlobalMaxPooling2D" ? .max : .average)
    case "ZeroPadding2D":
        try requireChannelsLast()
        let p: [Int]
        switch c["padding"] {
        case let v as Int: p = [v, v, v, v]
        case let v as [[Int]] where v.count == 2 && v.allSatisfy({ $0.count == 2 }): p = v[0] + v[1]
        case let v as [Int] where v.count == 2: p = [v[0], v[0], v[1], v[1]]
        default:
            throw KerasImportError.badConfig(file: file, reason: "layer \(name): cannot read padding")
        }
        try checkSizes(p, "layer \(name): padding", file: file, minimum: 0)
        return ZeroPadding2D(name, padding: ((p[0], p[1]), (p[2], p[3])))
    case "Activation":
        return ActivationLayer(name, try activation())
    case "ReLU":
        let plain = (c["max_value"] == nil || c["max_value"] is NSNull)
            && (c["negative_slope"] as? Double ?? 0) == 0 && (c["threshold"] as? Double ?? 0) == 0
        guard plain else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "max_value/negative_slope/threshold")
        }
        return ActivationLayer(name, .relu, className: "ReLU")
    case "Softmax":
        let axis = (c["axis"] as? Int) ?? ((c["axis"] as? [Int])?.first) ?? -1
        guard axis == -1 else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "axis \(axis)")
        }
        return ActivationLayer(name, .softmax, className: "Softmax")
    case "Resizing":
        let interpolation = c["interpolation"] as? String ?? "bilinear"
        guard interpolation == "bilinear", c["crop_to_aspect_ratio"] as? Bool != true, c["pad_to_aspect_ratio"] as? Bool != true,
              c["antialias"] as? Bool != true, let h = c["height"] as? Int, let w = c["width"] as? Int else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls,
                                                    hint: "only bilinear resizing without crop, pad or antialias")
        }
        try checkSizes([h, w], "layer \(name): height and width", file: file)
        return Resizing(name, height: h, width: w)
    case "Rescaling":
        guard let scale = (c["scale"] as? Double) ?? (c["scale"] as? Int).map(Double.init) else {
            throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "per-channel scale")
        }
        return Rescaling(name, scale: Float(scale), offset: Float((c["offset"] as? Double) ?? 0))
    case "Add": return Add(name: name)
    case "Flatten": return Flatten(name: name)
    case "Dropout": return Dropout(name, rate: Float(c["rate"] as? Double ?? 0))
    case "Lambda", "TFOpLambda", "SlicingOpLambda":
        throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls,
                                                hint: "it holds Python code, which zoo never runs")
    default:
        throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls, hint: "")
    }
}
