import Foundation
import ZooTraining

/// Progress of one piece of work (a download, a feature extraction, an epoch), as a monitor
/// shows it. Updated from any thread.
public protocol ProgressDisplay: AnyObject, Sendable {
    func update(_ done: Int64, total: Int64?)
    func finish()
}

extension ProgressDisplay {
    public func update(_ done: Int64) { update(done, total: nil) }
}

/// What progress counts.
public enum ProgressUnit: Sendable { case bytes, images }

/// How a pipeline tells its caller what it is doing. The library prints nothing: the `zoo` CLI
/// turns notices into `zoo: ...` lines on stderr, reports and epochs into lines on stdout, and
/// progress into bars; a program may ignore all of it (`.silent`).
public struct PipelineMonitor: Sendable {
    /// Side information: a download starting, features found in the cache, a resumed run, an
    /// untrained backbone.
    public var notice: @Sendable (String) -> Void
    /// A result of a stage worth a line of the run's log (the layers unfrozen, the accuracy
    /// before and after unfreezing).
    public var report: @Sendable (String) -> Void
    /// The end of an epoch: its record and the stage's number of epochs
    /// (`record.logLine(epochs:)` is Keras's progress line).
    public var epoch: @Sendable (_ record: EpochRecord, _ epochs: Int) -> Void
    /// Starts a progress display: label, total, unit.
    public var progress: @Sendable (_ label: String, _ total: Int64, _ unit: ProgressUnit) -> any ProgressDisplay

    public init(
        notice: @escaping @Sendable (String) -> Void = { _ in },
        report: @escaping @Sendable (String) -> Void = { _ in },
        epoch: @escaping @Sendable (_ record: EpochRecord, _ epochs: Int) -> Void = { _, _ in },
        progress: @escaping @Sendable (_ label: String, _ total: Int64, _ unit: ProgressUnit) -> any ProgressDisplay = { _, _, _ in NoProgress() }
    ) {
        self.notice = notice
        self.report = report
        self.epoch = epoch
        self.progress = progress
    }

    /// Reports nothing.
    public static let silent = PipelineMonitor()
}

/// A progress display that shows nothing.
public final class NoProgress: ProgressDisplay {
    public init() {}
    public func update(_ done: Int64, total: Int64?) {}
    public func finish() {}
}

extension EpochRecord {
    /// Keras's end-of-epoch line: `Epoch 3/10 - 1.2s - loss: ... - val_accuracy: ... - learning_rate: ...`.
    public func logLine(epochs: Int) -> String {
        var line = String(format: "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f", epoch, epochs, seconds, loss, accuracy)
        if let vl = valLoss, let va = valAccuracy {
            line += String(format: " - val_loss: %.4f - val_accuracy: %.4f", vl, va)
        }
        return line + String(format: " - learning_rate: %.6g", learningRate)
    }
}
