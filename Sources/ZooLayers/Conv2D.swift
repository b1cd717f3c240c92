import ZooTensor

/// Keras `Conv2D` (channels_last, HWIO kernel, no dilation or groups).
public final class Conv2D: Layer {
    public let filters: Int
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let activation: Activation
    public let useBias: Bool

    public init(
        _ name: String, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
        padding: Padding = .valid, activation: Activation = .linear, useBias: Bool = true
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        super.init(name: name)
    }

    public convenience init(
        _ name: String, filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true
    ) {
        self.init(name, filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, activation: activation, useBias: useBias)
    }

    public override var className: String { "Conv2D" }

    public override var kerasConfig: [String: any Sendable] {
        ["filters": filters, "kernel_size": [kernelSize.0, kernelSize.1], "strides": [strides.0, strides.1],
         "padding": padding.rawValue, "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
         "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Set only by inference fusion: a second input is added to the output before the
    /// activation (a ResNet block's last convolution absorbing its `Add`).
    public var residual = false

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([filters], "filters")
        let own = residual ? Array(inputShapes.prefix(1)) : inputShapes
        let (rows, cols) = try windowOutput(own, window: kernelSize, "kernel size", strides: strides, padding: padding)
        if residual && (inputShapes.count != 2 || inputShapes[1] != [rows, cols, filters]) {
            throw LayerError.inputShape(layer: name, expected: "an input and a residual of shape \([rows, cols, filters])",
                                        found: inputShapes)
        }
        let kernel = [kernelSize.0, kernelSize.1, inputShapes[0][2], filters]
        try define([Weight("kernel", shape: kernel)] + (useBias ? [Weight("bias", shape: [filters])] : []), for: own)
        plan = (plan?.policy ?? .default).plan(input: inputShapes[0], kernel: kernel, strides: strides, padding: padding)
        return [rows, cols, filters]
    }

    /// How this layer convolves, chosen from its input shape when it is built (by
    /// `ConvPolicy.default`, or the policy of `replan(policy:)`).
    public internal(set) var plan: Conv2DPlan?

    public override var planDescription: String? { plan?.description }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        convolve(inputs[0], residual: residual ? inputs[1] : nil)
    }

    /// The convolution, bias, an optional residual [N,OH,OW,O] (added before the activation, as a
    /// fused ResNet Add) and the activation: x [N,H,W,C] -> [N,OH,OW,O].
    func convolve(_ x: Tensor, residual: Tensor?) -> Tensor {
        let version = weights.reduce(0) { $0 &* 31 &+ $1.version }
        var y = plan!(x, kernel: weights[0].value, kernelVersion: version, bias: useBias ? weights[1].value.data : nil,
                      relu: activation == .relu, residual: residual)
        if activation != .relu { applyActivation(activation, &y) }
        return y
    }

    public override var keepsInput: Bool { true }
    public override var keepsOutput: Bool { activation == .relu }

    public override var differentiable: Bool { activation == .relu || activation == .linear }

    /// x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let g = conv2dBackward(cachedInput!, kernel: weights[0].value, dy: dy, strides: strides, padding: padding,
                               needInputGradient: needsInputGradient, reluOutput: activation == .relu ? cachedOutput! : nil)
        accumulate(weights[0], g.dKernel)
        if useBias { accumulate(weights[1], Tensor(shape: [filters], data: g.dBias)) }
        return g.dx.map { [$0] } ?? []
    }
}

/// Keras `Dense` on a rank-1 input (per sample).
public final class Dense: Layer {
    public let units: Int
    public let activation: Activation
    public let useBias: Bool

    public init(_ name: String, units: Int, activation: Activation = .linear, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        super.init(name: name)
    }

    public override var className: String { "Dense" }

    public override var kerasConfig: [String: any Sendable] {
        ["units": units, "activation": activation.rawValue, "use_bias": useBias]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([units], "units")
        try expectRank(inputShapes, 1, "a flat (features) input; add Flatten or global pooling first")
        try define([Weight("kernel", shape: [inputShapes[0][0], units])] + (useBias ? [Weight("bias", shape: [units])] : []),
                   for: inputShapes)
        return [units]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = denseForward(inputs[0], kernel: weights[0].value, bias: useBias ? weights[1].value.data : nil)
        applyActivation(activation, &y)
        return y
    }

    /// The pre-activation of the last training forward (for a softmax output, the logits).
    public private(set) var logits: Tensor?

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training else { return forward(inputs) }
        let z = denseForward(inputs[0], kernel: weights[0].value, bias: useBias ? weights[1].value.data : nil)
        var y = z
        applyActivation(activation, &y)
        (cachedInput, cachedOutput, logits) = (inputs[0], y, z)
        return y
    }

    public override var differentiable: Bool { [.linear, .relu, .softmax].contains(activation) }

    /// x [N,I], kernel [I,O]. A softmax output is differentiated only fused with cross-entropy
    /// (as Keras does): `dy` is then already the gradient at the logits.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let dz = activation == .relu ? reluBackward(y: cachedOutput!, dy: dy) : dy
        let g = denseBackward(cachedInput!, kernel: weights[0].value, dy: dz, needInputGradient: needsInputGradient)
        accumulate(weights[0], g.dKernel)
        if useBias { accumulate(weights[1], Tensor(shape: [units], data: g.dBias)) }
        return g.dx.map { [$0] } ?? []
    }
}

/// Keras `BatchNormalization` on the last axis, in inference mode (moving statistics).
public final class BatchNormalization: Layer {
    public let epsilon: Float
    public let center: Bool
    public let scale: Bool

    public init(_ name: String, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true) {
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        super.init(name: name)
    }

    public override var className: String { "BatchNormalization" }

    public override var kerasConfig: [String: any Sendable] {
        ["axis": -1, "momentum": 0.99, "epsilon": decimal(epsilon), "center": center, "scale": scale]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 1, let c = inputShapes[0].last else {
            throw LayerError.inputShape(layer: name, expected: "one input", found: inputShapes)
        }
        var wanted: [Weight] = []
        if scale { wanted.append(Weight("gamma", shape: [c], value: Tensor(repeating: 1, shape: [c]))) }
        if center { wanted.append(Weight("beta", shape: [c])) }
        wanted.append(Weight("moving_mean", shape: [c], trainable: false))
        wanted.append(Weight("moving_variance", shape: [c], trainable: false, value: Tensor(repeating: 1, shape: [c])))
        try define(wanted, for: inputShapes)
        return inputShapes[0]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        batchNormForward(inputs[0], gamma: weight("gamma")?.value.data, beta: weight("beta")?.value.data,
                         mean: weight("moving_mean")!.value.data, variance: weight("moving_variance")!.value.data,
                         epsilon: epsilon)
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    /// Always inference mode: the moving statistics normalise and are never updated. This is
    /// Keras's rule for a frozen BatchNormalization and what it recommends (and keras.applications
    /// fine-tuning does) for a backbone being fine-tuned; gamma and beta still learn when trainable.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!
        let c = epsilonChannels
        let mean = weight("moving_mean")!.value.data, variance = weight("moving_variance")!.value.data
        let gamma = weight("gamma")?.value.data
        var dx = dy
        var dGamma = [Double](repeating: 0, count: c), dBeta = [Double](repeating: 0, count: c)
        let inv = variance.map { 1 / ($0 + epsilon).squareRoot() }
        for i in 0..<dy.count {
            let ch = i % c
            dGamma[ch] += Double(dy.data[i] * (x.data[i] - mean[ch]) * inv[ch])
            dBeta[ch] += Double(dy.data[i])
            dx.data[i] = dy.data[i] * (gamma?[ch] ?? 1) * inv[ch]
        }
        if let g = weight("gamma") { accumulate(g, Tensor(shape: [c], data: dGamma.map(Float.init))) }
        if let b = weight("beta") { accumulate(b, Tensor(shape: [c], data: dBeta.map(Float.init))) }
        return [dx]
    }

    private var epsilonChannels: Int { weight("moving_mean")!.shape[0] }
}
