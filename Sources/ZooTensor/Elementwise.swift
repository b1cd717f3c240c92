import CKernels
import Foundation

/// Keras activation functions that layers can apply to their output.
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, softmax, sigmoid, tanh
    case relu6, swish, silu
    case gelu, hardSigmoid = "hard_sigmoid", hardSilu = "hard_silu", hardSwish = "hard_swish"
}

public func applyActivation(_ activation: Activation, _ x: inout Tensor) {
    switch activation {
    case .linear: break
    case .relu:
        x.data.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            parallelChunks(p.count, minChunk: 1 << 16) { r in zoo_relu(base + r.lowerBound, base + r.lowerBound, r.count) }
        }
    case .softmax: softmaxInPlace(&x)
    case .sigmoid: sigmoidInPlace(&x)
    case .tanh: for i in x.data.indices { x.data[i] = Foundation.tanh(x.data[i]) }
    case .relu6: reluInPlace(&x, maxValue: 6, negativeSlope: 0, threshold: 0)
    case .swish, .silu: swishInPlace(&x)
    case .gelu: geluInPlace(&x, approximate: false)
    case .hardSigmoid: hardSigmoidInPlace(&x)
    case .hardSilu, .hardSwish: hardSiluInPlace(&x)
    }
}

/// `addForward` written over input 0 or 1, whichever `reusable` allows (the caller held its only
/// reference), else into a new tensor. The sum is made in the same order, so the result is the same.
public func addForwardInPlace(_ inputs: inout [Tensor], reusable: [Bool]) -> Tensor {
    guard inputs.count >= 2, inputs[0].count > 0, let k = [0, 1].first(where: { reusable[$0] }) else { return addForward(inputs) }
    for other in inputs.dropFirst() {
        precondition(other.shape == inputs[0].shape, "add: shapes \(inputs[0].shape) and \(other.shape) differ")
    }
    var out = inputs.take(k)
    out.data.withUnsafeMutableBufferPointer { o in
        for other in [inputs[1 - k]] + inputs.dropFirst(2) {
            other.data.withUnsafeBufferPointer { s in
                let (ob, sb) = (o.baseAddress!, s.baseAddress!)
                parallelChunks(o.count, minChunk: 1 << 15) { r in for i in r { ob[i] += sb[i] } }
            }
        }
    }
    return out
}

/// `applyActivation` into a new tensor, x unchanged: one read and one write where a copy and an
/// update in place would make two of each (for a caller that cannot give up x).
public func activated(_ activation: Activation, _ x: Tensor) -> Tensor {
    let kernel: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)?
    switch activation {
    case .relu: kernel = { zoo_relu($0, $1, $2) }
    case .sigmoid: kernel = { zoo_sigmoid($0, $1, $2, 0) }
    case .swish, .silu: kernel = { zoo_sigmoid($0, $1, $2, 1) }
    case .hardSigmoid: kernel = { zoo_hard_sigmoid($0, $1, $2, 0) }
    case .hardSilu, .hardSwish: kernel = { zoo_hard_sigmoid($0, $1, $2, 1) }
    case .relu6: kernel = { zoo_relu_general($0, $1, $2, 6, 0, 0) }
    default: kernel = nil
    }
    guard let kernel, x.count > 0 else {
        var y = x
        applyActivation(activation, &y)
        return y
    }
    let data = [Float](unsafeUninitializedCapacity: x.count) { p, initialized in
        x.data.withUnsafeBufferPointer { xp in
            let (src, dst) = (xp.baseAddress!, p.baseAddress!)
            parallelChunks(x.count, minChunk: 1 << 14) { r in kernel(src + r.lowerBound, dst + r.lowerBound, r.count) }
        }
        initialized = x.count
    }
    return Tensor(shape: x.shape, data: data)
}

/// Softmax over the last axis, shifted by the row maximum so large logits cannot overflow.
public func softmaxInPlace(_ x: inout Tensor) {
    let c = x.shape.last ?? 1
    guard c > 0 else { return }
    x.data.withUnsafeMutableBufferPointer { p in
        for r in 0..<(p.count / c) {
            let row = p.baseAddress! + r * c
            var m = -Float.infinity
            for i in 0..<c { m = max(m, row[i]) }
            var sum: Float = 0
            for i in 0..<c {
                row[i] = exp(row[i] - m)
                sum += row[i]
            }
            let inv = 1 / sum
            for i in 0..<c { row[i] *= inv }
        }
    }
}

/// Add forward: the elementwise sum of same-shaped tensors.
public func addForward(_ inputs: [Tensor], relu: Bool = false) -> Tensor {
    for other in inputs.dropFirst() {
        precondition(other.shape == inputs[0].shape, "add: shapes \(inputs[0].shape) and \(other.shape) differ")
    }
    // One pass into a fresh buffer: copying the first input and adding in place, then a ReLU
    // pass, read and wrote the whole tensor three times.
    var out = uninitializedFloats(inputs[0].count)
    out.withUnsafeMutableBufferPointer { o in
        inputs[0].data.withUnsafeBufferPointer { a in
            inputs[1].data.withUnsafeBufferPointer { b in
                let (ob, ab, bb) = (o.baseAddress!, a.baseAddress!, b.baseAddress!)
                let last = inputs.count == 2
                parallelChunks(o.count, minChunk: 1 << 15) { r in
                    if relu && last {
                        for i in r { let v = ab[i] + bb[i]; ob[i] = v < 0 ? 0 : v }
                    } else {
                        for i in r { ob[i] = ab[i] + bb[i] }
                    }
                }
            }
        }
        for other in inputs.dropFirst(2) {
            other.data.withUnsafeBufferPointer { s in
                let (ob, sb) = (o.baseAddress!, s.baseAddress!)
                parallelChunks(o.count, minChunk: 1 << 15) { r in for i in r { ob[i] += sb[i] } }
            }
        }
        if relu && inputs.count > 2 { reluInPlace(o.baseAddress!, count: o.count) }
    }
    return Tensor(shape: inputs[0].shape, data: out)
}

/// BatchNormalization forward in inference mode, per channel on the last axis:
/// y = (x - mean) / sqrt(var + eps) * gamma + beta, computed as one multiply-add.
public func batchNormForward(
    _ x: Tensor, gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Float, relu: Bool = false
) -> Tensor {
    let (scale, shift) = batchNormScaleShift(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
    guard x.count > 0 else { return x }
    // Into a fresh buffer: `var out = x` then updating it copied x first (two passes, not one).
    let data = [Float](unsafeUninitializedCapacity: x.count) { p, initialized in
        x.data.withUnsafeBufferPointer { xp in scaleShiftRows(xp.baseAddress!, p.baseAddress!, count: x.count, scale: scale, shift: shift, relu: relu) }
        initialized = x.count
    }
    return Tensor(shape: x.shape, data: data)
}

/// `batchNormForward` overwriting x (when the caller owns its only copy, no copy is made); with
/// `relu`, max(y, 0) in the same pass (a pre-activation BatchNormalization and its ReLU).
public func batchNormInPlace(
    _ x: inout Tensor, gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Float, relu: Bool = false
) {
    let (scale, shift) = batchNormScaleShift(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon)
    let count = x.count
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        scaleShiftRows(base, base, count: count, scale: scale, shift: shift, relu: relu)
    }
}

/// The inference BatchNormalization as y = x * scale + shift per channel.
func batchNormScaleShift(gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Float)
    -> (scale: [Float], shift: [Float]) {
    let c = mean.count
    var scale = [Float](repeating: 1, count: c), shift = [Float](repeating: 0, count: c)
    for i in 0..<c {
        scale[i] = (gamma?[i] ?? 1) / (variance[i] + epsilon).squareRoot()
        shift[i] = (beta?[i] ?? 0) - mean[i] * scale[i]
    }
    return (scale, shift)
}

/// dst = src * scale + shift (then ReLU) over rows of scale.count channels, rows in parallel;
/// dst may be src.
func scaleShiftRows(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, scale: [Float],
                    shift: [Float], relu: Bool) {
    let c = scale.count
    guard c > 0, count > 0 else { return }
    scale.withUnsafeBufferPointer { sp in
        shift.withUnsafeBufferPointer { hp in
            let (sb, hb) = (sp.baseAddress!, hp.baseAddress!)
            parallelChunks(count / c, minChunk: max(1, (1 << 16) / c)) { rows in
                zoo_scale_shift(src + rows.lowerBound * c, dst + rows.lowerBound * c, rows.count, Int32(c), sb, hb, relu ? 1 : 0)
            }
        }
    }
}

/// Dense forward: x [N,I] * kernel [I,O] + bias [O] -> [N,O].
public func denseForward(_ x: Tensor, kernel: Tensor, bias: [Float]?) -> Tensor {
    let (n, i, o) = (x.shape[0], kernel.shape[0], kernel.shape[1])
    precondition(x.count == n * i, "dense: input \(x.shape) does not match kernel \(kernel.shape)")
    var out = [Float](repeating: 0, count: n * o)
    x.data.withUnsafeBufferPointer { xp in
        kernel.data.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                if let bias { fillRows(op.baseAddress!, rows: n, with: bias) }
                sgemm(m: n, n: o, k: i, a: xp.baseAddress!, lda: i, b: wp.baseAddress!, ldb: o,
                      beta: bias == nil ? 0 : 1, c: op.baseAddress!, ldc: o)
            }
        }
    }
    return Tensor(shape: [n, o], data: out)
}

/// SplitMix64's increment: its state after n draws is the seed plus n increments.
public let splitMixIncrement: UInt64 = 0x9E37_79B9_7F4A_7C15

/// SplitMix64's output for an already advanced state (ZooLayers' `SeededGenerator` uses it too).
@inline(__always)
public func splitMixOutput(_ state: UInt64) -> UInt64 {
    var z = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// An inverted-dropout mask: 0 with probability `rate`, else 1 / (1 - rate). Value i is decided by
/// the (i+1)-th draw of the SplitMix64 stream at `state`, mapped as `Float.random(in: 0..<1)`
/// maps it (its low 24 bits times 2^-24) and dropped when below `rate`; `state` ends `count` draws
/// further. So this is exactly `count` calls of `Float.random(in: 0..<1, using: &generator)` on a
/// `SeededGenerator`, but SplitMix64 can jump ahead, so both cores draw their halves at once.
public func dropoutMask(count: Int, rate: Float, state: inout UInt64) -> [Float] {
    let start = state, scale = 1 / (1 - rate)
    state = start &+ UInt64(truncatingIfNeeded: count) &* splitMixIncrement
    guard count > 0 else { return [] }
    return [Float](unsafeUninitializedCapacity: count) { p, initialized in
        let base = p.baseAddress!
        parallelChunks(count, minChunk: 1 << 16) { range in
            var s = start &+ UInt64(truncatingIfNeeded: range.lowerBound) &* splitMixIncrement
            for i in range {
                s &+= splitMixIncrement
                let z = splitMixOutput(s)
                let unit = Float(UInt32(truncatingIfNeeded: z) & 0xFF_FFFF) * 0x1p-24
                base[i] = unit < rate ? 0 : scale
            }
        }
        initialized = count
    }
}

/// x * mask elementwise (a dropout mask, forward and backward).
public func multiplied(_ x: Tensor, by mask: [Float]) -> Tensor {
    precondition(mask.count == x.count, "multiply: \(x.count) values, mask of \(mask.count)")
    guard x.count > 0 else { return x }
    let data = [Float](unsafeUninitializedCapacity: x.count) { p, initialized in
        x.data.withUnsafeBufferPointer { xp in
            mask.withUnsafeBufferPointer { mp in
                let (out, xb, mb) = (p.baseAddress!, xp.baseAddress!, mp.baseAddress!)
                parallelChunks(x.count, minChunk: 1 << 16) { r in for i in r { out[i] = xb[i] * mb[i] } }
            }
        }
        initialized = x.count
    }
    return Tensor(shape: x.shape, data: data)
}
