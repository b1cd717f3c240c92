import Foundation

/// Per-epoch learning-rate schedules, as the Keras callbacks and schedules of the same names.
public enum Schedule: Sendable, Equatable {
    case constant
    /// lr0 * factor^floor(epoch / every)
    case stepDecay(every: Int, factor: Float)
    /// Cosine from lr0 to `minimum` over `epochs` (keras CosineDecay per epoch, alpha = minimum/lr0).
    case cosine(epochs: Int, minimum: Float)
    /// keras.callbacks.ReduceLROnPlateau on val_loss: multiply by `factor` after `patience`
    /// epochs without an improvement of more than `minDelta`, never below `minimum`.
    case reduceOnPlateau(factor: Float, patience: Int, minDelta: Double, minimum: Float)
}

/// The state a schedule carries between epochs (kept in checkpoints).
public struct ScheduleState: Sendable, Codable, Equatable {
    public var best: Double?
    public var wait = 0
    public init() {}
}

extension Schedule {
    /// The learning rate for `epoch` (0-based), given the initial rate and the last val_loss.
    public func rate(epoch: Int, initial: Float, current: Float, valLoss: Double?, state: inout ScheduleState) -> Float {
        switch self {
        case .constant:
            return current
        case let .stepDecay(every, factor):
            return initial * pow(factor, Float(epoch / max(every, 1)))
        case let .cosine(epochs, minimum):
            let progress = min(Float(epoch) / Float(max(epochs, 1)), 1)
            return minimum + (initial - minimum) * 0.5 * (1 + cos(Float.pi * progress))
        case let .reduceOnPlateau(factor, patience, minDelta, minimum):
            guard let valLoss else { return current }
            if valLoss < (state.best ?? .infinity) - minDelta {
                state.best = valLoss
                state.wait = 0
                return current
            }
            state.wait += 1
            if state.wait >= patience {
                state.wait = 0
                return max(current * factor, minimum)
            }
            return current
        }
    }
}
