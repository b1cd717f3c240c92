/// Errors reading data sets; each names the file and what was expected.
public enum DataError: Error, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case malformed(file: String, reason: String)
    case mismatch(String)
    case missingSplit(directory: String, split: String, tried: [String])

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): cannot read (\(reason))"
        case let .malformed(file, reason): return "\(file): \(reason)"
        case let .mismatch(reason): return reason
        case let .missingSplit(directory, split, tried):
            return "\(directory): no \(split) split (looked for \(tried.joined(separator: ", ")))"
        }
    }
}
