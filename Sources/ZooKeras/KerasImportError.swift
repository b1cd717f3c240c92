import ZooTensor

/// Errors of Keras import and export; each names the file and the layer or object involved.
public enum KerasImportError: Error, CustomStringConvertible {
    case notKeras(file: String, reason: String)
    case missingLayerGroup(file: String, layer: String)
    case weightProblems(file: String, count: Int, first: String)
    case unsupportedLayer(file: String, layer: String, className: String, hint: String)
    case badConfig(file: String, reason: String)
    case archive(file: String, reason: String)

    public var description: String {
        switch self {
        case let .notKeras(file, reason):
            return "\(file): not a Keras weight file (\(reason))"
        case let .missingLayerGroup(file, layer):
            return "\(file): layer_names lists \(layer) but the file has no group /\(layer)"
        case let .weightProblems(file, count, first):
            return "\(file): \(count) weight problem\(count == 1 ? "" : "s"); first: \(first)"
        case let .unsupportedLayer(file, layer, className, hint):
            return "\(file): layer \(layer) has class \(className), which zoo does not support\(hint.isEmpty ? "" : " (\(hint))")"
        case let .badConfig(file, reason):
            return "\(file): model config: \(reason)"
        case let .archive(file, reason):
            return "\(file): .keras archive: \(reason)"
        }
    }
}
