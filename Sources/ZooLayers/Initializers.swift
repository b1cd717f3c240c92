import Foundation
import ZooTensor

/// A small seeded generator (SplitMix64) so initial weights are reproducible across runs and machines.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= splitMixIncrement
        return splitMixOutput(state)
    }
}

extension Model {
    /// Keras's default initialisers: glorot_uniform kernels (limit sqrt(6 / (fan_in + fan_out)),
    /// with receptive-field fans for convolutions), zero biases and betas, unit gammas and
    /// variances, zero means.
    public func initializeKerasDefaults(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for layer in layers {
            for w in layer.weights {
                switch w.name {
                case "kernel":
                    let receptive = w.shape.dropLast(2).reduce(1, *)
                    let fanIn = w.shape[w.shape.count - 2] * receptive, fanOut = w.shape.last! * receptive
                    let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
                    w.value = Tensor(shape: w.shape, data: (0..<w.count).map { _ in Float.random(in: -limit...limit, using: &rng) })
                case "gamma", "moving_variance":
                    w.value = Tensor(repeating: 1, shape: w.shape)
                default:
                    w.value = Tensor(zeros: w.shape)
                }
            }
        }
    }

    /// Multiply-adds counted twice, per image, for Conv2D and Dense layers (the usual "FLOPs").
    public var flopsPerImage: Int {
        nodes.reduce(0) { total, node in
            switch node.layer {
            case let c as Conv2D:
                let k = c.weights[0].shape
                return total + 2 * node.outputShape[0] * node.outputShape[1] * k[0] * k[1] * k[2] * k[3]
            case let d as Dense:
                return total + 2 * d.weights[0].count
            default:
                return total
            }
        }
    }
}
