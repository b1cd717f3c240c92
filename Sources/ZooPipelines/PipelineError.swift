import ZooTensor

/// Why a pipeline stopped, naming the file involved.
public enum PipelineError: Error, CustomStringConvertible {
    /// Resuming was asked for, but the checkpoint directory holds none.
    case noCheckpoint(file: String)
    /// A model file with weights only, no model config to build the network from.
    case noModelConfig(file: String)
    /// The model in `file` does not take raw digits of the data's size.
    case notADigitModel(file: String, inputShape: [Int], digitHeight: Int, digitWidth: Int)
    /// An external program a requested output needs is not installed.
    case missingTool(output: String, reason: String)
    /// An external program failed.
    case toolFailed(tool: String, status: Int32)

    public var description: String {
        switch self {
        case let .noCheckpoint(file): return "\(file): no checkpoint to resume from"
        case let .noModelConfig(file): return "\(file): has no model config (a weights-only file); use zoo load"
        case let .notADigitModel(file, shape, h, w):
            return "\(file): the model takes input \(describeShape(shape)), not raw \(h)x\(w)x1 digits"
        case let .missingTool(output, reason): return "\(output): \(reason)"
        case let .toolFailed(tool, status): return "\(tool) failed (status \(status))"
        }
    }

    /// A file could not be read as what it should be (the CLI's exit status 3), as opposed to
    /// any other failure (status 1).
    public var isUnreadableFile: Bool {
        if case .noModelConfig = self { return true }
        return false
    }
}
