import CKernels
import Foundation

// The activations beyond ReLU and softmax that keras.applications families use (MobileNet's
// relu6, EfficientNet's swish and sigmoid), forward and backward. `applyActivation` in
// Elementwise.swift dispatches here.

/// Keras's `ReLU` layer: x >= max_value -> max_value; threshold <= x < max_value -> x;
/// x < threshold -> negative_slope * (x - threshold). Plain ReLU is (nil, 0, 0), relu6 (6, 0, 0).
public func reluInPlace(_ x: inout Tensor, maxValue: Float?, negativeSlope: Float, threshold: Float) {
    let top = maxValue ?? .infinity
    elementwiseInPlace(&x, minChunk: 1 << 16) { p, n in zoo_relu_general(p, p, n, top, negativeSlope, threshold) }
}

/// Runs `kernel(pointer, count)` over `x`'s values in place, in parallel chunks of at least
/// `minChunk` values (one AVX-512 kernel call per chunk).
@inline(__always)
func elementwiseInPlace(_ x: inout Tensor, minChunk: Int, _ kernel: (UnsafeMutablePointer<Float>, Int) -> Void) {
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        parallelChunks(p.count, minChunk: minChunk) { r in kernel(base + r.lowerBound, r.count) }
    }
}

/// The gradient of `reluInPlace` from its input: dy where threshold <= x < max_value,
/// negative_slope * dy below the threshold, 0 at or above max_value (as TensorFlow's clip).
public func reluBackward(x: Tensor, dy: Tensor, maxValue: Float?, negativeSlope: Float, threshold: Float) -> Tensor {
    let top = maxValue ?? .infinity
    var dx = dy
    x.data.withUnsafeBufferPointer { xp in
        dx.data.withUnsafeMutableBufferPointer { d in
            let (xb, db) = (xp.baseAddress, d.baseAddress)
            guard let xb, let db else { return }
            parallelChunks(d.count, minChunk: 1 << 16) { r in
                for i in r {
                    let v = xb[i]
                    db[i] = v >= top ? 0 : (v >= threshold ? db[i] : negativeSlope * db[i])
                }
            }
        }
    }
    return dx
}

@inline(__always) func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

/// x * sigmoid(x) (Keras's `swish`, `silu`), in place.
/// The exponential is a 16-lane polynomial within 2 ulp of libm's (`zoo_sigmoid`), so the
/// result is within float rounding of `x * sigmoid(x)` and ~10x faster than calling `exp`.
func swishInPlace(_ x: inout Tensor) {
    elementwiseInPlace(&x, minChunk: 1 << 14) { p, n in zoo_sigmoid(p, p, n, 1) }
}

/// 1 / (1 + exp(-x)), in place (the same kernel as `swishInPlace`).
func sigmoidInPlace(_ x: inout Tensor) {
    elementwiseInPlace(&x, minChunk: 1 << 14) { p, n in zoo_sigmoid(p, p, n, 0) }
}

/// dL/dx of an activation given its input x, its output y and dL/dy (every case but softmax,
/// whose gradient is not elementwise).
public func activationBackward(_ activation: Activation, x: Tensor, y: Tensor, dy: Tensor) -> Tensor {
    var dx = dy
    switch activation {
    case .linear: break
    case .relu: return reluBackward(y: y, dy: dy)
    case .relu6: return reluBackward(x: x, dy: dy, maxValue: 6, negativeSlope: 0, threshold: 0)
    case .sigmoid: for i in dx.data.indices { dx.data[i] *= y.data[i] * (1 - y.data[i]) }
    case .tanh: for i in dx.data.indices { dx.data[i] *= 1 - y.data[i] * y.data[i] }
    case .swish, .silu:
        for i in dx.data.indices {
            let s = sigmoid(x.data[i])
            dx.data[i] *= s * (1 + x.data[i] * (1 - s))
        }
    case .gelu: return geluBackward(x: x, dy: dy, approximate: false)
    case .hardSigmoid:
        // relu6's gradient: 1/6 strictly inside (-3, 3), as TensorFlow's.
        for i in dx.data.indices { dx.data[i] *= (x.data[i] > -3 && x.data[i] < 3) ? 1 / 6 : 0 }
    case .hardSilu, .hardSwish:
        for i in dx.data.indices {
            let v = x.data[i], inside: Float = (v > -3 && v < 3) ? 1 : 0
            dx.data[i] *= min(max(v + 3, 0), 6) / 6 + v * inside / 6
        }
    case .softmax: preconditionFailure("softmax has no elementwise gradient")
    }
    return dx
}

/// Keras's `gelu`: x * Phi(x), 0.5 x (1 + erf(x / sqrt 2)); with `approximate`, tanh's form
/// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). The `"gelu"` activation string is the
/// exact one in Keras 3 and tf-keras; the approximate one is `keras.activations.gelu`'s option.
public func geluInPlace(_ x: inout Tensor, approximate: Bool) {
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        parallelChunks(p.count, minChunk: 1 << 14) { r in
            if approximate {
                for i in r {
                    let v = base[i]
                    base[i] = 0.5 * v * (1 + tanh(geluTanhScale * (v + 0.044715 * v * v * v)))
                }
            } else {
                for i in r { base[i] = 0.5 * base[i] * (1 + erf(base[i] * Float(0.5).squareRoot())) }
            }
        }
    }
}

/// sqrt(2 / pi), as TensorFlow's approximate gelu.
let geluTanhScale = Float((2 / Double.pi).squareRoot())

/// dL/dx of `geluInPlace` from its input: Phi(x) + x phi(x) exactly, or the tanh form's derivative.
public func geluBackward(x: Tensor, dy: Tensor, approximate: Bool) -> Tensor {
    var dx = dy
    let invSqrt2Pi = Float(1 / (2 * Double.pi).squareRoot())
    for i in dx.data.indices {
        let v = x.data[i]
        let slope: Float
        if approximate {
            let inner = geluTanhScale * (v + 0.044715 * v * v * v)
            let t = tanh(inner)
            slope = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * geluTanhScale * (1 + 3 * 0.044715 * v * v)
        } else {
            slope = 0.5 * (1 + erf(v * Float(0.5).squareRoot())) + v * invSqrt2Pi * exp(-0.5 * v * v)
        }
        dx.data[i] *= slope
    }
    return dx
}

/// Keras 3's `hard_sigmoid`: relu6(x + 3) / 6 (tf-keras's was clip(0.2 x + 0.5, 0, 1); Keras 3
/// files mean this one), in place.
func hardSigmoidInPlace(_ x: inout Tensor) {
    elementwiseInPlace(&x, minChunk: 1 << 16) { p, n in zoo_hard_sigmoid(p, p, n, 0) }
}

/// Keras's `hard_silu` (`hard_swish`): x * relu6(x + 3) / 6, MobileNetV3's activation, in place.
func hardSiluInPlace(_ x: inout Tensor) {
    elementwiseInPlace(&x, minChunk: 1 << 16) { p, n in zoo_hard_sigmoid(p, p, n, 1) }
}
