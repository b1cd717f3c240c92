import ZooTensor

/// Keras `BatchNormalization` on the last axis, in inference mode (moving statistics).
public final class BatchNormalization: Layer, KerasLayer, InPlaceInference {
    public static let kerasClassName = "BatchNormalization"
    /// Created in this order when `scale` and `center` are on; Keras 1 called the statistics
    /// `running_mean` and `running_std` (which held the variance).
    public static let gamma = WeightRole("gamma", initializer: .ones)
    public static let beta = WeightRole("beta", initializer: .zeros)
    public static let movingMean = WeightRole("moving_mean", legacyNames: ["running_mean"], initializer: .zeros, trainable: false)
    public static let movingVariance = WeightRole("moving_variance", legacyNames: ["running_std"], initializer: .ones,
                                                  trainable: false)

    public let epsilon: Float
    public let center: Bool
    public let scale: Bool

    public init(_ name: String, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true) {
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        let axis = c.axis()
        guard axis == -1 || axis == 3 else { throw c.unsupported("axis \(axis)") }
        self.init(name, epsilon: c.float("epsilon") ?? 1e-3, center: c.bool("center", default: true),
                  scale: c.bool("scale", default: true))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["axis": -1, "momentum": 0.99, "epsilon": decimal(epsilon), "center": center, "scale": scale]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let c = inputShapes[0].last else {
            throw LayerError.inputShape(layer: name, expected: "one input", found: inputShapes)
        }
        try define((scale ? [Weight(Self.gamma, shape: [c])] : []) + (center ? [Weight(Self.beta, shape: [c])] : [])
                   + [Weight(Self.movingMean, shape: [c]), Weight(Self.movingVariance, shape: [c])], for: inputShapes)
        return inputShapes[0]
    }

    /// x [N,...,C] -> [N,...,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        batchNormForward(inputs[0], gamma: weight(Self.gamma)?.value.data, beta: weight(Self.beta)?.value.data,
                         mean: weight(Self.movingMean)!.value.data, variance: weight(Self.movingVariance)!.value.data,
                         epsilon: epsilon)
    }

    public func forward(reusing inputs: inout [Tensor], owned: [Bool]) -> Tensor {
        forward(reusing: &inputs, owned: owned, relu: false)
    }

    /// With `relu`, max(y, 0) in the same pass (`Model` uses it for a BatchNormalization that only
    /// a ReLU reads).
    func forward(reusing inputs: inout [Tensor], owned: [Bool], relu: Bool) -> Tensor {
        let (gamma, beta) = (weight(Self.gamma)?.value.data, weight(Self.beta)?.value.data)
        let (mean, variance) = (weight(Self.movingMean)!.value.data, weight(Self.movingVariance)!.value.data)
        guard owned[0] else {
            return batchNormForward(inputs[0], gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon, relu: relu)
        }
        var y = inputs.take(0)
        batchNormInPlace(&y, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: epsilon, relu: relu)
        return y
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    /// x and dy [N,...,C]. Always inference mode: the moving statistics normalise and are never
    /// updated. This is Keras's rule for a frozen BatchNormalization and what it recommends (and
    /// keras.applications fine-tuning does) for a backbone being fine-tuned; gamma and beta still
    /// learn when trainable.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!
        let c = channels
        let mean = weight(Self.movingMean)!.value.data, variance = weight(Self.movingVariance)!.value.data
        let gamma = weight(Self.gamma)?.value.data
        var dx = dy
        var dGamma = [Double](repeating: 0, count: c), dBeta = [Double](repeating: 0, count: c)
        let inv = variance.map { 1 / ($0 + epsilon).squareRoot() }
        for i in 0..<dy.count {
            let ch = i % c
            dGamma[ch] += Double(dy.data[i] * (x.data[i] - mean[ch]) * inv[ch])
            dBeta[ch] += Double(dy.data[i])
            dx.data[i] = dy.data[i] * (gamma?[ch] ?? 1) * inv[ch]
        }
        if let g = weight(Self.gamma) { accumulate(g, Tensor(shape: [c], data: dGamma.map(Float.init))) }
        if let b = weight(Self.beta) { accumulate(b, Tensor(shape: [c], data: dBeta.map(Float.init))) }
        return [dx]
    }

    private var channels: Int { weight(Self.movingMean)!.shape[0] }
}
