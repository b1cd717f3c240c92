import ZooTensor

/// Mistakes in building a model or reading a layer's Keras config; each names the layer or model.
public enum LayerError: Error, CustomStringConvertible {
    case inputShape(layer: String, expected: String, found: [[Int]])
    case inputTooSmall(model: String, minimum: Int, found: [Int])
    case unknownInput(layer: String, input: String)
    case duplicateName(String)
    /// A layer argument out of range (`Conv2D(strides: 0)`), found when the layer is built.
    case argument(layer: String, problem: String)
    /// A batch given to `Model.predict` that is not [N, ...inputShape].
    case modelInput(model: String, expected: [Int], found: [Int])
    /// Layers added in an order a model cannot have (no input first, a second input).
    case structure(model: String, problem: String)
    case weightShape(weight: String, expected: [Int], found: [Int])
    /// A Keras config value that cannot be read or is out of range; ZooKeras adds the file.
    case config(layer: String, problem: String)
    /// A Keras config asking for what a zoo layer does not do (`padding="causal"`, dilation).
    case unsupported(layer: String, className: String, hint: String)

    public var description: String {
        switch self {
        case let .inputShape(layer, expected, found):
            return "layer \(layer): expected \(expected), got input shape \(found.map { describeShape($0) }.joined(separator: ", "))"
        case let .inputTooSmall(model, minimum, found):
            return "\(model): input size must be at least \(minimum)x\(minimum), got \(found.prefix(2).map(String.init).joined(separator: "x"))"
        case let .unknownInput(layer, input):
            return "layer \(layer): its input \(input) is not an earlier layer of the model"
        case let .duplicateName(name):
            return "two layers are named \(name); Keras layer names are unique within a model"
        case let .argument(layer, problem):
            return "layer \(layer): \(problem)"
        case let .modelInput(model, expected, found):
            let batch = "(N, " + expected.map(String.init).joined(separator: ", ") + ")"
            return "model \(model): expected a batch of shape \(batch), got \(describeShape(found, batch: false))"
        case let .structure(model, problem):
            return "model \(model): \(problem)"
        case let .weightShape(weight, expected, found):
            return "weight \(weight): expected shape \(describeShape(expected, batch: false)), got \(describeShape(found, batch: false))"
        case let .config(layer, problem):
            return "layer \(layer): \(problem)"
        case let .unsupported(layer, className, hint):
            return "layer \(layer) has class \(className), which zoo does not support\(hint.isEmpty ? "" : " (\(hint))")"
        }
    }
}

