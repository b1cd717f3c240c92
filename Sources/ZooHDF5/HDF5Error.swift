import Foundation

/// Every case names the file (as given to `H5File.open`/`create`) and the object path inside it.
/// Attribute paths are written `objectPath@attributeName`, e.g. `/model_weights@layer_names`.
public enum HDF5Error: Error, CustomStringConvertible, LocalizedError, Equatable {
    case cannotOpen(file: String, reason: String)
    case missingObject(file: String, path: String)
    case wrongKind(file: String, path: String, expected: String)
    case unsupportedType(file: String, path: String, type: String)
    /// `stack` is HDF5's error stack (innermost last), flattened to one line.
    case call(function: String, file: String, path: String, stack: String)
    /// The caller asked for something impossible, e.g. a shape that does not match the data.
    case invalidArgument(file: String, path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open: \(reason)"
        case let .missingObject(file, path):
            return "\(file): \(path): not found"
        case let .wrongKind(file, path, expected):
            return "\(file): \(path): not a \(expected)"
        case let .unsupportedType(file, path, type):
            return "\(file): \(path): unsupported type \(type)"
        case let .call(function, file, path, stack):
            return "\(file): \(path): \(function) failed" + (stack.isEmpty ? "" : " (\(stack))")
        case let .invalidArgument(file, path, reason):
            return "\(file): \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
