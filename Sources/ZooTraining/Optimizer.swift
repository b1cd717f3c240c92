import Foundation
import ZooLayers
import ZooTensor

/// Keras's optimizers with their default hyper-parameters and Keras 3 update rules
/// (keras/src/optimizers/{sgd,adam,rmsprop}.py), in float32 like Keras.
public final class Optimizer {
    public enum Kind: Sendable, Equatable {
        case sgd(momentum: Float, nesterov: Bool)
        case adam(beta1: Float, beta2: Float, epsilon: Float)
        case rmsprop(rho: Float, momentum: Float, epsilon: Float)
    }

    public let kind: Kind
    public var learningRate: Float
    /// Steps taken so far (Keras's `optimizer.iterations`).
    public var iterations = 0
    /// Per-weight slots keyed by weight path: momentum for SGD, (m, v) for Adam, velocity (and
    /// momentum) for RMSprop.
    public var slots: [String: [[Float]]] = [:]

    public init(_ kind: Kind, learningRate: Float) {
        self.kind = kind
        self.learningRate = learningRate
    }

    public static func sgd(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) -> Optimizer {
        Optimizer(.sgd(momentum: momentum, nesterov: nesterov), learningRate: learningRate)
    }
    public static func adam(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) -> Optimizer {
        Optimizer(.adam(beta1: beta1, beta2: beta2, epsilon: epsilon), learningRate: learningRate)
    }
    public static func rmsprop(learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7) -> Optimizer {
        Optimizer(.rmsprop(rho: rho, momentum: momentum, epsilon: epsilon), learningRate: learningRate)
    }

    public var name: String {
        switch kind {
        case .sgd: return "sgd"
        case .adam: return "adam"
        case .rmsprop: return "rmsprop"
        }
    }

    /// Applies one update to every weight that has a gradient, then clears the gradients.
    /// Weights and slots are updated in place, elementwise (so splitting large tensors over the
    /// cores changes nothing), with each element's arithmetic exactly as Keras writes it.
    public func step(_ weights: [(path: String, weight: Weight)]) {
        iterations += 1
        let lr = learningRate
        let kind = self.kind
        let t = Float(iterations)
        for (path, w) in weights {
            guard let gradient = w.gradient else { continue }
            w.gradient = nil
            let count = w.count
            precondition(gradient.count == count, "\(path): gradient of \(gradient.count) values for \(count) weights")
            // Out of the dictionary, the slots are uniquely referenced and updated in place.
            var s = slots.removeValue(forKey: path) ?? []
            switch kind {
            case let .sgd(momentum, _):
                if momentum != 0 && s.isEmpty { s = [[Float](repeating: 0, count: count)] }
            case .adam, .rmsprop:
                if s.isEmpty { s = [[Float](repeating: 0, count: count), [Float](repeating: 0, count: count)] }
            }
            var s0 = s.count > 0 ? s[0] : [], s1 = s.count > 1 ? s[1] : []
            s = []
            gradient.data.withUnsafeBufferPointer { gp in
                w.value.data.withUnsafeMutableBufferPointer { vp in
                    s0.withUnsafeMutableBufferPointer { ap in
                        s1.withUnsafeMutableBufferPointer { bp in
                            guard let g = gp.baseAddress, let v = vp.baseAddress else { return }
                            let (a, b) = (ap.baseAddress, bp.baseAddress)
                            parallelChunks(count, minChunk: 1 << 15) { r in
                                switch kind {
                                case let .sgd(momentum, nesterov):
                                    if momentum == 0 {
                                        for i in r { v[i] -= g[i] * lr }
                                    } else if let a {
                                        for i in r {
                                            a[i] = a[i] * momentum - g[i] * lr
                                            v[i] += nesterov ? a[i] * momentum - g[i] * lr : a[i]
                                        }
                                    }
                                case let .adam(beta1, beta2, epsilon):
                                    guard let a, let b else { return }
                                    let alpha = lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
                                    adamUpdate(g + r.lowerBound, weights: v + r.lowerBound, m: a + r.lowerBound,
                                               v: b + r.lowerBound, count: r.count, c1: 1 - beta1, c2: 1 - beta2,
                                               alpha: alpha, epsilon: epsilon)
                                case let .rmsprop(rho, momentum, epsilon):
                                    guard let a, let b else { return }
                                    let c = 1 - rho
                                    for i in r {
                                        a[i] = rho * a[i] + c * g[i] * g[i]
                                        let increment = lr * g[i] / (a[i] + epsilon).squareRoot()
                                        if momentum > 0 {
                                            b[i] = momentum * b[i] + increment
                                            v[i] -= b[i]
                                        } else {
                                            v[i] -= increment
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            slots[path] = s0.isEmpty ? [] : s1.isEmpty ? [s0] : [s0, s1]
        }
    }
}

/// Adam on `count` elements: m += (g - m)·c1, v += (g² - v)·c2, w -= (m·alpha) / (√v + epsilon),
/// each in float exactly as Keras computes it. In blocks, so that everything but the square root
/// runs as SIMD loops: `squareRoot()` is a libm call on Linux, which no loop around it can vectorise.
@inline(never)
private func adamUpdate(
    _ g: UnsafePointer<Float>, weights w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
    v: UnsafeMutablePointer<Float>, count: Int, c1: Float, c2: Float, alpha: Float, epsilon: Float
) {
    let block = 1024
    let roots = UnsafeMutablePointer<Float>.allocate(capacity: block)
    defer { roots.deallocate() }
    var start = 0
    while start < count {
        let n = min(block, count - start)
        let (gb, wb, mb, vb) = (g + start, w + start, m + start, v + start)
        for i in 0..<n {
            let (gi, mi, vi) = (gb[i], mb[i], vb[i])
            mb[i] = mi + (gi - mi) * c1
            vb[i] = vi + (gi * gi - vi) * c2
        }
        for i in 0..<n { roots[i] = vb[i].squareRoot() }
        for i in 0..<n {
            let (wi, mi, ri) = (wb[i], mb[i], roots[i])
            wb[i] = wi - (mi * alpha) / (ri + epsilon)
        }
        start += n
    }
}
