import Foundation
import ZooTensor

/// The Keras initialisers zoo's layers default to (`kernel_initializer="glorot_uniform"`,
/// `bias_initializer="zeros"`, `gamma_initializer="ones"`, ...).
public enum KerasInitializer: String, Sendable {
    case glorotUniform = "glorot_uniform"
    case zeros
    case ones

    /// The value before any random draw: ones for `ones`, zeros otherwise.
    public func constant(shape: [Int]) -> Tensor {
        self == .ones ? Tensor(repeating: 1, shape: shape) : Tensor(zeros: shape)
    }

    /// A fresh value; glorot_uniform draws from U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)),
    /// with the receptive field counted into both fans for convolution kernels (HWIO).
    public func value(shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        guard self == .glorotUniform else { return constant(shape: shape) }
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = shape[shape.count - 2] * receptive, fanOut = shape.last! * receptive
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<count).map { _ in Float.random(in: -limit...limit, using: &rng) })
    }
}

extension Model {
    /// Every weight set to its role's Keras default initialiser, drawing from one seeded stream in
    /// model order.
    public func initializeKerasDefaults(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for layer in layers {
            for w in layer.weights {
                w.value = (layer as? ConfiguredInitializer)?.kerasInitialValue(of: w)
                    ?? w.role.initializer.value(shape: w.shape, using: &rng)
            }
        }
    }
}

/// A layer whose Keras initialiser takes a value from the layer's arguments (LayerScale's
/// `Constant(init_values)`), which a role's fixed initialiser cannot say.
public protocol ConfiguredInitializer: Layer {
    /// The value a fresh `weight` starts at, or nil for its role's initialiser.
    func kerasInitialValue(of weight: Weight) -> Tensor?
}
