import CKernels

/// An activation that inference kernels apply to a sum before storing it (CKernels' ZOO_ACT_*),
/// so a fused layer makes no separate pass over its output for it. Inference only: nothing
/// here keeps what a gradient would need.
public enum FusedActivation: Equatable, Sendable, CustomStringConvertible {
    case linear
    /// min(max(x, 0), cap): Keras's relu (cap = infinity) and relu6 (cap = 6).
    case relu(cap: Float)
    /// x * sigmoid(x), Keras's swish / silu.
    case swish
    /// x * relu6(x + 3) / 6, Keras's hard_swish / hard_silu.
    case hardSwish
    case sigmoid

    /// The fused form of a Keras activation, nil for those no kernel fuses (softmax, gelu, ...).
    public init?(_ activation: Activation) {
        switch activation {
        case .linear: self = .linear
        case .relu: self = .relu(cap: .infinity)
        case .relu6: self = .relu(cap: 6)
        case .swish, .silu: self = .swish
        case .hardSwish, .hardSilu: self = .hardSwish
        case .sigmoid: self = .sigmoid
        default: return nil
        }
    }

    /// Keras's `ReLU` layer with these arguments, when it is a capped ReLU: no negative slope, a
    /// threshold of 0 and a positive max_value or none.
    public init?(reluMaxValue maxValue: Float?, negativeSlope: Float, threshold: Float) {
        guard negativeSlope == 0, threshold == 0, (maxValue ?? 1) > 0 else { return nil }
        self = .relu(cap: maxValue ?? .infinity)
    }

    var code: Int32 {
        switch self {
        case .linear: return Int32(ZOO_ACT_LINEAR)
        case .relu: return Int32(ZOO_ACT_RELU)
        case .swish: return Int32(ZOO_ACT_SWISH)
        case .hardSwish: return Int32(ZOO_ACT_HARD_SWISH)
        case .sigmoid: return Int32(ZOO_ACT_SIGMOID)
        }
    }

    var cap: Float {
        if case let .relu(cap) = self { return cap }
        return .infinity
    }

    public var description: String {
        switch self {
        case .linear: return "linear"
        case let .relu(cap): return cap == .infinity ? "relu" : "relu(max \(cap))"
        case .swish: return "swish"
        case .hardSwish: return "hard_swish"
        case .sigmoid: return "sigmoid"
        }
    }
}

/// x = activation(x) in one vectorised pass on all cores (exp to about 2 ulp for the sigmoids).
public func applyFusedActivation(_ activation: FusedActivation, _ x: inout Tensor) {
    guard activation != .linear else { return }
    let (code, cap) = (activation.code, activation.cap)
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        parallelChunks(p.count, minChunk: 1 << 14) { r in zoo_activation_inplace(base + r.lowerBound, r.count, code, cap) }
    }
}
