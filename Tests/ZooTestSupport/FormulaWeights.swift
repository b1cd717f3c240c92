import ZooLayers
import ZooTensor

/// Weights that need no file: element i of variable "layer/role" is u(i, fnv1a64("layer/role"))
/// scaled per role, exactly as `tools/make_builder_fixtures.py` computes them in NumPy, so a test
/// can build a full-size keras.applications model here and compare its output with Keras's on
/// the same weights while only the small outputs are committed.
public enum FormulaWeights {
    /// Fills every weight of `model`, in place.
    public static func fill(_ model: Model) {
        for layer in model.layers {
            for w in layer.weights {
                w.value = Tensor(shape: w.shape, data: value("\(layer.name)/\(w.name)", shape: w.shape))
            }
        }
    }

    /// The formula's input batch (same shape as the fixture's input).
    public static func input(shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: uniform(shape.reduce(1, *), key: fnv1a64("input")).map { $0 * 120 })
    }

    /// Kernels uniform with variance 1/fan_in; BatchNorm statistics far from the identity.
    static func value(_ path: String, shape: [Int]) -> [Float] {
        let u = uniform(shape.reduce(1, *), key: fnv1a64(path))
        switch path.split(separator: "/").last! {
        case "kernel":
            let scale = Float((3.0 / Double(shape.dropLast().reduce(1, *))).squareRoot())
            return u.map { $0 * scale }
        case "depthwise_kernel":
            // [KH,KW,C,M]: each output channel sums KH x KW taps of one input channel.
            let scale = Float((3.0 / Double(shape[0] * shape[1])).squareRoot())
            return u.map { $0 * scale }
        case "bias", "beta": return u.map { $0 * 0.1 }
        case "gamma": return u.map { 1 + $0 * 0.25 }
        case "moving_mean": return u.map { $0 * 0.2 }
        case "moving_variance": return u.map { 1 + $0 * 0.5 }
        // Normalization's statistics (tools/make_efficientnet_fixtures.py): about ImageNet's of pixels / 255.
        case "mean": return u.map { 0.45 + $0 * 0.1 }
        case "variance": return u.map { 0.06 + $0 * 0.02 }
        case "count": return u.map { _ in 100 }
        default: preconditionFailure("no formula for \(path)")
        }
    }

    /// SplitMix64's finaliser over (i + 1) * golden + key, top 24 bits as k * 2^-23 - 1.
    static func uniform(_ count: Int, key: UInt64) -> [Float] {
        // A plain loop into uninitialised storage: EfficientNetB7's 64M weights in a debug build.
        [Float](unsafeUninitializedCapacity: count) { p, initialized in
            var z0 = key
            for i in 0..<count {
                z0 = z0 &+ 0x9E37_79B9_7F4A_7C15  // (i + 1) * golden + key
                var z = z0
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                p[i] = Float(Double(z >> 40) / Double(1 << 23) - 1)
            }
            initialized = count
        }
    }

    static func fnv1a64(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
