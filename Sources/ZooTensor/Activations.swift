import Foundation

// The activations beyond ReLU and softmax that keras.applications families use (MobileNet's
// relu6, EfficientNet's swish and sigmoid), forward and backward. `applyActivation` in
// Elementwise.swift dispatches here.

/// Keras's `ReLU` layer: x >= max_value -> max_value; threshold <= x < max_value -> x;
/// x < threshold -> negative_slope * (x - threshold). Plain ReLU is (nil, 0, 0), relu6 (6, 0, 0).
public func reluInPlace(_ x: inout Tensor, maxValue: Float?, negativeSlope: Float, threshold: Float) {
    let top = maxValue ?? .infinity
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        parallelChunks(p.count, minChunk: 1 << 16) { r in
            for i in r {
                let v = base[i]
                base[i] = v >= top ? top : (v >= threshold ? v : negativeSlope * (v - threshold))
            }
        }
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
func swishInPlace(_ x: inout Tensor) {
    x.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        parallelChunks(p.count, minChunk: 1 << 14) { r in for i in r { base[i] *= sigmoid(base[i]) } }
    }
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
    case .softmax: preconditionFailure("softmax has no elementwise gradient")
    }
    return dx
}
