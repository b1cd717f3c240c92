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
    public func step(_ weights: [(path: String, weight: Weight)]) {
        iterations += 1
        let lr = learningRate
        for (path, w) in weights {
            guard let g = w.gradient?.data else { continue }
            var v = w.value.data
            var s = slots[path] ?? []
            switch kind {
            case let .sgd(momentum, nesterov):
                if momentum == 0 {
                    for i in v.indices { v[i] -= g[i] * lr }
                } else {
                    if s.isEmpty { s = [[Float](repeating: 0, count: v.count)] }
                    for i in v.indices {
                        s[0][i] = s[0][i] * momentum - g[i] * lr
                        v[i] += nesterov ? s[0][i] * momentum - g[i] * lr : s[0][i]
                    }
                }
            case let .adam(beta1, beta2, epsilon):
                if s.isEmpty { s = [[Float](repeating: 0, count: v.count), [Float](repeating: 0, count: v.count)] }
                let t = Float(iterations)
                let alpha = lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
                for i in v.indices {
                    s[0][i] += (g[i] - s[0][i]) * (1 - beta1)
                    s[1][i] += (g[i] * g[i] - s[1][i]) * (1 - beta2)
                    v[i] -= (s[0][i] * alpha) / (s[1][i].squareRoot() + epsilon)
                }
            case let .rmsprop(rho, momentum, epsilon):
                if s.isEmpty { s = [[Float](repeating: 0, count: v.count), [Float](repeating: 0, count: v.count)] }
                for i in v.indices {
                    s[0][i] = rho * s[0][i] + (1 - rho) * g[i] * g[i]
                    let increment = lr * g[i] / (s[0][i] + epsilon).squareRoot()
                    if momentum > 0 {
                        s[1][i] = momentum * s[1][i] + increment
                        v[i] -= s[1][i]
                    } else {
                        v[i] -= increment
                    }
                }
            }
            slots[path] = s
            w.value = Tensor(shape: w.shape, data: v)
            w.gradient = nil
        }
    }
}
