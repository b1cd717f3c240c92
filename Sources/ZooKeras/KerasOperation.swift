import ZooLayers

/// Elementwise arithmetic that a config records as an operation instead of a layer: Keras 3's
/// `keras.src.ops.numpy` classes (`Add`, `Multiply`, ... called on a tensor and a number, as
/// MobileNetV3's `x + 3.0`, or on two tensors, as ConvNeXt's residual) and tf-keras's
/// `TFOpLambda` (which names a TensorFlow function, `__operators__.add`, `math.multiply`, with
/// the second operand in the call's `y`). Neither holds code: zoo reads the operation's name and
/// operands and builds the layer that computes the same thing, `Add` or `Multiply` for two
/// tensors, `Rescaling` (x * scale + offset, which both Kerases load back) for a tensor and a
/// number. Every other operation is refused by name.
struct KerasOperation {
    enum Arithmetic: String {
        case add, subtract, multiply, divide
    }

    let arithmetic: Arithmetic
    /// The operands in call order: a tensor (the layer it comes from) or a number.
    let operands: [InboundCall.Argument]

    /// The layers an operation takes its tensors from.
    var tensors: [String] {
        operands.compactMap { if case let .tensor(name) = $0 { return name } else { return nil } }
    }

    /// Keras 3's `ops.numpy` classes zoo computes.
    static let numpyClasses: [String: Arithmetic] = [
        "Add": .add, "Subtract": .subtract, "Multiply": .multiply, "Divide": .divide, "TrueDivide": .divide,
    ]

    /// tf-keras's TFOpLambda functions zoo computes (`x + y` records `__operators__.add`, `x * y`
    /// `math.multiply`).
    static let tensorFlowFunctions: [String: Arithmetic] = [
        "__operators__.add": .add, "math.add": .add, "math.subtract": .subtract, "math.multiply": .multiply,
        "math.truediv": .divide, "math.divide": .divide,
    ]

    /// The operation a layer spec records, nil when it is an ordinary layer; throws for
    /// operations zoo does not compute.
    init?(spec: [String: Any], call: InboundCall, layer: String, file: String) throws {
        let className = spec["class_name"] as? String ?? "?"
        let module = spec["module"] as? String ?? ""
        let found: Arithmetic?
        if className == "TFOpLambda" {
            let function = (spec["config"] as? [String: Any])?["function"] as? String ?? "?"
            found = Self.tensorFlowFunctions[function]
            guard found != nil else {
                throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                        hint: "function tf.\(function); zoo computes only \(Self.tensorFlowFunctions.keys.sorted().map { "tf." + $0 }.joined(separator: ", "))")
            }
            // The tensor is the first argument; the other operand is `y`, a number or a tensor.
            var operands = call.arguments
            if let y = call.keywords["y"] { operands.append(y) }
            let unknown = call.keywords.keys.filter { !["y", "name"].contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                        hint: "function tf.\(function) with \(unknown.joined(separator: ", "))")
            }
            self.operands = operands
        } else if module.hasPrefix("keras.src.ops") || module.hasPrefix("keras.ops")
                    // Keras 3's legacy .h5 drops the module: a merging layer takes one list
                    // argument, the operation its two operands.
                    || (module.isEmpty && call.keras3 && call.arguments.count == 2 && Self.numpyClasses[className] != nil) {
            found = module.isEmpty || module.hasSuffix(".numpy") ? Self.numpyClasses[className] : nil
            guard found != nil else {
                throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                        hint: "operation \(module).\(className); zoo computes only ops.numpy \(Self.numpyClasses.keys.sorted().joined(separator: ", "))")
            }
            guard call.keywords.isEmpty else {
                throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                        hint: "operation \(module).\(className) with \(call.keywords.keys.sorted().joined(separator: ", "))")
            }
            operands = call.arguments
        } else {
            return nil
        }
        arithmetic = found!
        let described = "\(arithmetic.rawValue) of \(operands.map(Self.describe).joined(separator: " and "))"
        guard operands.count == 2, !tensors.isEmpty, operands.allSatisfy({ if case .other = $0 { false } else { true } }) else {
            throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                    hint: "\(described); zoo computes the arithmetic of two tensors or of a tensor and a number")
        }
        if tensors.count == 2 && ![.add, .multiply].contains(arithmetic) {
            throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                    hint: "\(described); of two tensors zoo computes only add and multiply")
        }
        if case let .number(c) = operands[1], arithmetic == .divide, c == 0 || !c.isFinite {
            throw KerasImportError.badConfig(file: file, reason: "layer \(layer) divides by \(c)")
        }
        if case let .number(c) = operands[0], arithmetic == .divide {
            throw KerasImportError.unsupportedLayer(file: file, layer: layer, className: className,
                                                    hint: "\(c) divided by a tensor; zoo computes a tensor divided by a number")
        }
        for case let .number(c) in operands where !c.isFinite || abs(c) > Double(Float.greatestFiniteMagnitude) {
            throw KerasImportError.badConfig(file: file, reason: "layer \(layer) computes with \(c), which is no finite float")
        }
    }

    private static func describe(_ a: InboundCall.Argument) -> String {
        switch a {
        case let .tensor(name): return "tensor \(name)"
        case let .number(c): return "\(c)"
        case .other: return "a value that is neither a tensor nor a number"
        }
    }

    /// The layer computing the operation, named `name`.
    func layer(name: String) -> Layer {
        if tensors.count == 2 { return arithmetic == .add ? Add(name: name) : Multiply(name: name) }
        let tensorFirst: Bool
        let c: Float
        switch (operands[0], operands[1]) {
        case let (.number(n), _): (tensorFirst, c) = (false, Float(n))
        case let (_, .number(n)): (tensorFirst, c) = (true, Float(n))
        default: preconditionFailure("checked in init")
        }
        switch arithmetic {
        case .add: return Rescaling(name, scale: 1, offset: c)
        case .subtract: return tensorFirst ? Rescaling(name, scale: 1, offset: -c) : Rescaling(name, scale: -1, offset: c)
        case .multiply: return Rescaling(name, scale: c)
        // x / c as x * (1 / c): within an ulp of TensorFlow's division.
        case .divide: return Rescaling(name, scale: 1 / c)
        }
    }
}
