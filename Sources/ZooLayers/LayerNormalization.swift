import Foundation
import ZooTensor

/// Keras `LayerNormalization` over the last axis (ConvNeXt's, epsilon 1e-6): each position's
/// channels normalised by their own mean and variance, (x - mean) / sqrt(variance + epsilon),
/// then times `gamma` and plus `beta` (created in that order when `scale` and `center` are on).
public final class LayerNormalization: Layer, KerasLayer {
    public static let kerasClassName = "LayerNormalization"
    public static let gamma = WeightRole("gamma", initializer: .ones)
    public static let beta = WeightRole("beta", initializer: .zeros)

    public let epsilon: Float
    public let center: Bool
    public let scale: Bool

    public init(_ name: String, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true) {
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        super.init(name: name)
    }

    /// Keras writes `axis` as -1, or as the list of axes tf-keras resolved (`[3]` on NHWC); both
    /// mean the last axis when it names the input's last one, which `build` checks.
    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let axes: [Int]
        switch c["axis"] {
        case nil: axes = [-1]
        case let a as Int: axes = [a]
        case let a as [Int]: axes = a
        default: throw c.problem("cannot read axis")
        }
        guard axes.count == 1 else { throw c.unsupported("axis \(axes)") }
        if c.bool("rms_scaling", default: false) { throw c.unsupported("rms_scaling") }
        self.init(name, epsilon: c.float("epsilon") ?? 1e-3, center: c.bool("center", default: true),
                  scale: c.bool("scale", default: true))
        configAxis = axes[0]
    }

    /// The axis a config named (with the batch axis counted, as Keras counts it), checked in `build`.
    private var configAxis = -1

    public override var kerasConfig: [String: any Sendable] {
        ["axis": -1, "epsilon": decimal(epsilon), "center": center, "scale": scale]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let c = inputShapes[0].last else {
            throw LayerError.inputShape(layer: name, expected: "one input", found: inputShapes)
        }
        guard configAxis == -1 || configAxis == inputShapes[0].count else {
            throw LayerError.argument(layer: name, problem: "axis \(configAxis) is not the last axis of \(describeShape(inputShapes[0], batch: false)); zoo normalises the last axis only")
        }
        guard epsilon >= 0 else { throw LayerError.argument(layer: name, problem: "epsilon \(epsilon) must not be negative") }
        try define((scale ? [Weight(Self.gamma, shape: [c])] : []) + (center ? [Weight(Self.beta, shape: [c])] : []),
                   for: inputShapes)
        return inputShapes[0]
    }

    public override func weightCount(inputShapes: [[Int]]) -> Double {
        Double(inputShapes.first?.last ?? 0) * Double((scale ? 1 : 0) + (center ? 1 : 0))
    }

    /// Per row of C channels: its mean and 1 / sqrt(variance + epsilon), the variance taken about
    /// the mean (two passes, in Double, so large activations keep their precision).
    private func statistics(_ x: Tensor) -> (mean: [Float], rstd: [Float]) {
        let c = x.shape.last!, rows = x.count / max(c, 1)
        var mean = [Float](repeating: 0, count: rows), rstd = mean
        x.data.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                let row = p.baseAddress! + r * c
                var sum = 0.0
                for i in 0..<c { sum += Double(row[i]) }
                let m = sum / Double(c)
                var squares = 0.0
                for i in 0..<c { squares += (Double(row[i]) - m) * (Double(row[i]) - m) }
                mean[r] = Float(m)
                rstd[r] = Float(1 / (squares / Double(c) + Double(epsilon)).squareRoot())
            }
        }
        return (mean, rstd)
    }

    /// x [N,...,C] -> [N,...,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        let c = y.shape.last!, (mean, rstd) = statistics(y)
        let gamma = weight(Self.gamma)?.value.data, beta = weight(Self.beta)?.value.data
        y.data.withUnsafeMutableBufferPointer { p in
            parallelChunks(mean.count, minChunk: max(1, (1 << 14) / max(c, 1))) { rows in
                for r in rows {
                    let row = p.baseAddress! + r * c
                    for i in 0..<c {
                        var v = (row[i] - mean[r]) * rstd[r]
                        if let gamma { v *= gamma[i] }
                        if let beta { v += beta[i] }
                        row[i] = v
                    }
                }
            }
        }
        return y
    }

    public override var keepsInput: Bool { true }
    public override var differentiable: Bool { true }

    /// x [N,...,C], dy [N,...,C] -> dx [N,...,C]. With x^ = (x - mean) * rstd and g = dy * gamma,
    /// dx = rstd * (g - mean(g) - x^ * mean(g * x^)) per row; dgamma = sum dy * x^, dbeta = sum dy.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!
        let c = x.shape.last!, (mean, rstd) = statistics(x)
        let gamma = weight(Self.gamma)?.value.data
        var dx = Tensor(zeros: x.shape)
        var dGamma = [Double](repeating: 0, count: c), dBeta = dGamma
        for r in 0..<mean.count {
            let base = r * c
            var sumG = 0.0, sumGX = 0.0
            for i in 0..<c {
                let xhat = (x.data[base + i] - mean[r]) * rstd[r], d = dy.data[base + i]
                let g = d * (gamma?[i] ?? 1)
                sumG += Double(g)
                sumGX += Double(g * xhat)
                dGamma[i] += Double(d * xhat)
                dBeta[i] += Double(d)
            }
            let meanG = Float(sumG / Double(c)), meanGX = Float(sumGX / Double(c))
            for i in 0..<c {
                let xhat = (x.data[base + i] - mean[r]) * rstd[r]
                let g = dy.data[base + i] * (gamma?[i] ?? 1)
                dx.data[base + i] = rstd[r] * (g - meanG - xhat * meanGX)
            }
        }
        if let w = weight(Self.gamma) { accumulate(w, Tensor(shape: [c], data: dGamma.map(Float.init))) }
        if let w = weight(Self.beta) { accumulate(w, Tensor(shape: [c], data: dBeta.map(Float.init))) }
        return needsInputGradient ? [dx] : []
    }
}
