import Foundation
import ZooLayers
import ZooTensor

/// Builds a `Model` from a Keras model config (`model.to_json()`, the `model_config` attribute of
/// a full-model .h5, or `config.json` in a .keras archive), for the supported layer classes.
/// Both the tf-keras form (`inbound_nodes: [[["layer", 0, 0, {}]]]`) and the Keras 3 form
/// (`inbound_nodes: [{"args": [{"class_name": "__keras_tensor__", ...}]}]`) are read.
/// Models nested as layers (ConvNeXt's Sequential stem, a backbone inside a fine-tuning model)
/// are flattened into the one graph, their layers recorded in `Model.nestedIn` under the key
/// Keras 3 files store them by. Elementwise arithmetic that Keras records as operations
/// (`KerasOperation`) becomes the layer computing it. Nothing in a config is ever executed:
/// Lambda layers, custom objects and operations outside the whitelist are refused by name.
/// `kerasVersion` is the file's (`KerasWeightFile.kerasVersion`): an activation named
/// `hard_sigmoid` is clip(0.2 x + 0.5, 0, 1) in files of tf-keras (versions 1 and 2) and
/// relu6(x + 3) / 6, zoo's, in Keras 3's (and when the version is not given).
public func modelFromConfig(_ json: String, file: String, kerasVersion: String? = nil) throws -> Model {
    try checkJSONLimits(json.utf8, file: file, what: "model config")
    guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
        throw KerasImportError.badConfig(file: file, reason: "not a JSON object")
    }
    let className = root["class_name"] as? String ?? ""
    guard let config = root["config"] as? [String: Any], config["layers"] is [[String: Any]] else {
        throw KerasImportError.badConfig(file: file, reason: "no config.layers list (class \(className))")
    }
    let model = Model(name: config["name"] as? String ?? "model")
    let tfKeras = kerasVersion.map { $0.hasPrefix("1") || $0.hasPrefix("2") } ?? false
    var flattener = ConfigFlattener(model: model, file: file, tfKerasHardSigmoid: tfKeras)
    let output = try flattener.add(className: className, config: config, input: nil, key: "", frozen: false, depth: 0)
    guard model.nodes.count > 1 else { throw KerasImportError.badConfig(file: file, reason: "the model has no layers") }
    guard output == model.nodes.last!.layer.name else {
        throw KerasImportError.badConfig(file: file, reason: "output \(output) is not the last layer; only single-output chains ending in their output are supported")
    }
    return model
}

/// The classes of models that configs nest as layers.
let nestedModelClasses: Set<String> = ["Functional", "Sequential", "Model"]

/// Walks a model config and the configs of the models nested in it, adding every layer to one
/// flat `Model` in Keras's `model.layers` order (a nested model's layers where the nested model
/// stands).
private struct ConfigFlattener {
    let model: Model
    let file: String
    /// The file's `hard_sigmoid` is tf-keras's.
    let tfKerasHardSigmoid: Bool

    /// Adds the layers of one (possibly nested) model config and returns the node that is its
    /// output. `input` is the node a nested model is called on (nil at the top), `key` the path
    /// Keras 3 files keep its layers under (`functional/sequential_1`; "" at the top); `frozen`
    /// when it or a model it is nested in is not trainable, which holds for all its layers.
    mutating func add(className: String, config: [String: Any], input: String?, key: String, frozen: Bool,
                      depth: Int) throws -> String {
        guard depth < 8 else { throw KerasImportError.badConfig(file: file, reason: "models nested more than 8 deep") }
        guard let layers = config["layers"] as? [[String: Any]] else {
            throw KerasImportError.badConfig(file: file, reason: "nested model \(config["name"] as? String ?? "?") has no layers list")
        }
        let sequential = className == "Sequential"
        // A layer's name in this config -> the node giving its output in the flat model.
        var outputs: [String: String] = [:]
        var previous = input
        var nestedKeys: [String: Int] = [:]
        for spec in layers {
            let cls = spec["class_name"] as? String ?? "?"
            let lc = spec["config"] as? [String: Any] ?? [:]
            guard let name = (spec["name"] as? String) ?? (lc["name"] as? String) else {
                throw KerasImportError.badConfig(file: file, reason: "a \(cls) layer has no name")
            }
            let call = try inboundCall(spec["inbound_nodes"], layer: name, file: file)
            func resolve(_ names: [String]) throws -> [String] {
                try names.map { n in
                    guard let node = outputs[n] else {
                        throw KerasImportError.badConfig(file: file, reason: "layer \(name) takes \(n), which comes before it in no model it is in")
                    }
                    return node
                }
            }
            var inputs = sequential ? [] : try resolve(call.tensors)
            if sequential, cls != "InputLayer" {
                if previous == nil {
                    // A Sequential config without an InputLayer keeps the shape on its first layer.
                    previous = try addLayer(try reading(file) {
                        try InputLayer(name: "input_1", config: KerasLayerConfig(layer: name, className: cls, values: lc))
                    }, [], key: key)
                }
                inputs = [previous!]
            }
            if cls == "InputLayer" {
                if let input {
                    // A nested model's input is the tensor it is called on.
                    outputs[name] = input
                } else {
                    guard model.nodes.isEmpty else {
                        throw KerasImportError.badConfig(file: file, reason: "input \(name) is a second input; only single-input models are supported")
                    }
                    outputs[name] = try addLayer(try reading(file) {
                        try InputLayer(name: name, config: KerasLayerConfig(layer: name, className: cls, values: lc))
                    }, [], key: key)
                }
                previous = outputs[name]
                continue
            }
            let output: String
            if nestedModelClasses.contains(cls) {
                guard inputs.count == 1 else {
                    throw KerasImportError.badConfig(file: file, reason: "nested model \(name) (\(cls)) has \(inputs.count) inputs; one is supported")
                }
                // Keras 3 keys a nested model like any layer: its snake-case class, counted.
                let base = snakeCase(cls)
                let n = nestedKeys[base]
                nestedKeys[base] = (n ?? -1) + 1
                let own = n.map { "\(base)_\($0 + 1)" } ?? base
                output = try add(className: cls, config: lc, input: inputs[0], key: key.isEmpty ? own : key + "/" + own,
                                 frozen: frozen || lc["trainable"] as? Bool == false, depth: depth + 1)
            } else if let operation = try KerasOperation(spec: spec, call: call, layer: name, file: file) {
                let operands = try resolve(operation.tensors)
                output = try addLayer(try operation.layer(name: name), sequential ? inputs : operands, key: key)
            } else if tfKerasHardSigmoid && lc["activation"] as? String == "hard_sigmoid" {
                // tf-keras's hard_sigmoid, x * 0.2 + 0.5 clipped to [0, 1], in the layers that
                // compute exactly that; as another layer's activation it is not zoo's.
                guard cls == "Activation", inputs.count == 1 else {
                    throw KerasImportError.unsupportedLayer(file: file, layer: name, className: cls,
                                                            hint: "activation hard_sigmoid of tf-keras, clip(0.2 x + 0.5, 0, 1), which zoo computes only as an Activation layer")
                }
                let affine = try addLayer(Rescaling("\(name)_affine", scale: 0.2, offset: 0.5), inputs, key: key)
                output = try addLayer(ReLU(name: name, maxValue: 1), [affine], key: key)
                for layer in [model.layer(named: affine)!, model.layer(named: output)!] {
                    layer.trainable = !frozen && lc["trainable"] as? Bool ?? true
                }
            } else {
                let type = try layerClass(cls, layer: name, file: file)
                // Layers index their inputs when built: Add merges two or more, most classes take one.
                guard type.inputCount.contains(inputs.count) else {
                    throw KerasImportError.badConfig(file: file, reason: "layer \(name) (\(cls)) has \(inputs.count) inputs")
                }
                let layer = try reading(file) { try type.init(name: name, config: KerasLayerConfig(layer: name, className: cls, values: lc)) }
                layer.trainable = !frozen && lc["trainable"] as? Bool ?? true
                // Layers allocate their weights when built, so the count is checked before.
                let count = layer.weightCount(inputShapes: inputs.compactMap { model.node(named: $0)?.outputShape })
                guard count <= Double(maxWeightElements) else {
                    throw KerasImportError.badConfig(file: file, reason: "layer \(name) would have \(Int(count)) weights, more than the \(maxWeightElements) zoo allows")
                }
                output = try addLayer(layer, inputs, key: key)
            }
            outputs[name] = output
            previous = output
        }
        guard let last = previous else { throw KerasImportError.badConfig(file: file, reason: "the model has no layers") }
        if !sequential, let declared = config["output_layers"] as? [Any] {
            // tf-keras writes [["name", 0, 0]], Keras 3 a single output as ["name", 0, 0].
            let first = (declared.first as? [Any]) ?? declared
            guard declared.count == 1 || declared.first is String, let name = first.first as? String,
                  let node = outputs[name] else {
                throw KerasImportError.badConfig(file: file, reason: "model \(config["name"] as? String ?? "?") has outputs zoo cannot follow; only single-output models are supported")
            }
            return node
        }
        return last
    }

    /// Builds `layer` into the model, refusing layer outputs over `maxActivationElements` values
    /// per sample (the input's size is only limited per axis: a Resizing may shrink it at once).
    mutating func addLayer(_ layer: Layer, _ inputs: [String], key: String) throws -> String {
        let name = try reading(file) { try model(layer, inputs) }
        if !key.isEmpty { model.nestedIn[name] = key }
        if layer is InputLayer { return name }
        let shape = model.nodes.last!.outputShape
        let elements = shape.reduce(1.0) { $0 * Double($1) }
        guard elements <= Double(maxActivationElements) else {
            throw KerasImportError.badConfig(file: file, reason: "layer \(name) outputs \(describeShape(shape)) = \(Int(elements)) values per sample, more than the \(maxActivationElements) zoo allows")
        }
        return name
    }
}

/// Loads a full-model file's weights into `model`, built from the file's own config. Keras
/// pairs layers by position, which for a legacy HDF5 file holds only while no model is nested:
/// a nested model's group lists its trainable weights before its non-trainable ones, so its
/// layers' positions are lost and they are found by name instead (every name is the config's).
public func loadFullModelWeights(into model: Model, from file: KerasWeightFile) throws -> LoadReport {
    let legacy = file.layout != .keras3 && file.layout != .kerasArchive
    let report = try loadWeights(into: model, from: file, mode: legacy && !model.nestedIn.isEmpty ? .byName : .topological)
    // By name, weights no layer takes are no problem to the report; here every one has its layer.
    let unused = report.entries.filter { $0.status == .unexpected }
    if let first = unused.first, report.problems.isEmpty {
        throw KerasImportError.weightProblems(file: file.path, count: unused.count, first: report.problemSentence(first))
    }
    return report
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

/// One call of a layer as its `inbound_nodes` record it: the positional arguments and the
/// keyword arguments that are tensors or numbers (others, such as Keras 3's `mask: null`, are
/// dropped), and every tensor in them, in order.
struct InboundCall {
    enum Argument {
        case tensor(String)
        case number(Double)
        case other
    }

    var arguments: [Argument] = []
    var keywords: [String: Argument] = [:]
    var tensors: [String] = []
    /// Recorded in Keras 3's form, whose positional arguments are the call's own.
    var keras3 = false
}

private func inboundCall(_ nodes: Any?, layer: String, file: String) throws -> InboundCall {
    var call = InboundCall()
    guard let nodes = nodes as? [Any], let node = nodes.first else { return call }
    if nodes.count > 1 {
        throw KerasImportError.badConfig(file: file, reason: "layer \(layer) is shared (called \(nodes.count) times); not supported")
    }
    /// tf-keras names a tensor `["layer", node, index]` (a fourth element holds keyword arguments).
    func legacyTensor(_ v: Any) -> String? {
        guard let a = v as? [Any], a.count >= 3, let name = a[0] as? String, a[1] as? Int != nil, a[2] as? Int != nil else { return nil }
        return name
    }
    func argument(_ v: Any) -> InboundCall.Argument {
        if let name = legacyTensor(v) { return .tensor(name) }
        if let d = v as? [String: Any], d["class_name"] as? String == "__keras_tensor__",
           let h = (d["config"] as? [String: Any])?["keras_history"] as? [Any], let name = h.first as? String {
            return .tensor(name)
        }
        // JSON numbers arrive as NSNumber (a boolean too, as 1 or 0, which is what Python adds).
        if let n = v as? NSNumber { return .number(n.doubleValue) }
        return .other
    }
    func keywords(_ d: [String: Any]) {
        for (key, value) in d where !(value is NSNull) {
            let a = argument(value)
            call.keywords[key] = a
            if case let .tensor(name) = a { call.tensors.append(name) }
        }
    }
    if let legacy = node as? [Any] {
        if legacyTensor(legacy) != nil {
            // A TFOpLambda's node is one call, `["layer", 0, 0, {"y": 3.0, "name": null}]`.
            call.arguments = [argument(legacy)]
            call.tensors = [legacyTensor(legacy)!]
            if legacy.count > 3, let kw = legacy[3] as? [String: Any] { keywords(kw) }
        } else {
            for entry in legacy {
                guard let name = legacyTensor(entry) else { continue }
                call.arguments.append(.tensor(name))
                call.tensors.append(name)
            }
        }
        return call
    }
    // Keras 3: every keras_history in the call's args, in order (a merging layer takes them as
    // one list argument).
    let keras3 = node as? [String: Any] ?? [:]
    func walk(_ v: Any) {
        if let d = v as? [String: Any] {
            if let c = d["config"] as? [String: Any], let h = c["keras_history"] as? [Any], let n = h.first as? String {
                call.tensors.append(n)
            } else {
                d.values.forEach(walk)
            }
        } else if let a = v as? [Any] {
            a.forEach(walk)
        }
    }
    call.keras3 = true
    let args = keras3["args"] as? [Any] ?? []
    args.forEach(walk)
    call.arguments = args.map(argument)
    if let kw = keras3["kwargs"] as? [String: Any] {
        for (key, value) in kw where !(value is NSNull) { call.keywords[key] = argument(value) }
    }
    return call
}

/// The registered class for `className`. Lambda layers are refused by name before anything else:
/// they hold Python code (marshalled bytecode), which zoo never runs. (A TFOpLambda names a
/// TensorFlow function; the arithmetic ones are `KerasOperation`s, read before this.)
private func layerClass(_ className: String, layer: String, file: String) throws -> any KerasLayer.Type {
    if ["Lambda", "SlicingOpLambda"].contains(className) {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                hint: "it holds Python code, which zoo never runs")
    }
    guard let type = kerasLayerClass(named: className) else {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className, hint: "")
    }
    return type
}

/// Runs `body`, which reads a layer's config, reporting its errors against `file`.
func reading<T>(_ file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let LayerError.unsupported(layer, className, hint) {
        throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className, hint: hint)
    } catch let error as LayerError {
        throw KerasImportError.badConfig(file: file, reason: "\(error)")
    }
}
