import ZooTensor

/// Keras `Conv2D` (channels_last, HWIO kernel, no dilation or groups).
public final class Conv2D: Layer, KerasLayer {
    public static let kerasClassName = "Conv2D"
    /// Keras 1 stored them as `W` and `b`.
    public static let kernel = WeightRole("kernel", legacyNames: ["W"], initializer: .glorotUniform)
    public static let bias = WeightRole("bias", legacyNames: ["b"], initializer: .zeros)

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

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        if try c.pair("dilation_rate", default: (1, 1)) != (1, 1) || (c["groups"] as? Int ?? 1) != 1 {
            throw c.unsupported("dilation or groups")
        }
        self.init(name, filters: try c.requiredSize("filters"), kernelSize: try c.pair("kernel_size", default: (1, 1)),
                  strides: try c.pair("strides", default: (1, 1)), padding: try c.padding(),
                  activation: try c.activation(), useBias: c.bool("use_bias", default: true))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["filters": filters, "kernel_size": [kernelSize.0, kernelSize.1], "strides": [strides.0, strides.1],
         "padding": padding.rawValue, "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
         "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Checked before `build` allocates: kernel [KH,KW,C,O].
    public override func weightCount(inputShapes: [[Int]]) -> Double {
        Double(kernelSize.0) * Double(kernelSize.1) * Double(inputShapes.first?.last ?? 0) * Double(filters)
    }

    public override func flops(outputShape: [Int]) -> Int {
        2 * outputShape[0] * outputShape[1] * weights[0].count
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([filters], "filters")
        let (rows, cols) = try windowOutput(inputShapes, window: kernelSize, "kernel size", strides: strides, padding: padding)
        let kernel = [kernelSize.0, kernelSize.1, inputShapes[0][2], filters]
        try define([Weight(Self.kernel, shape: kernel)] + (useBias ? [Weight(Self.bias, shape: [filters])] : []), for: inputShapes)
        plan = policy.plan(input: inputShapes[0], kernel: kernel, strides: strides, padding: padding)
        return [rows, cols, filters]
    }

    /// How this layer convolves, chosen from its input shape when it is built (by
    /// `ConvPolicy.default`, or the policy of `replan(policy:)`).
    public internal(set) var plan: Conv2DPlan?

    /// What chooses `plan`: `ConvPolicy.default` until `replan(policy:)`.
    public private(set) var policy = ConvPolicy.default

    public override var planDescription: String? { plan?.description }

    /// A layer not yet built gets its plan when it is; later builds keep `policy`.
    public override func replan(policy: ConvPolicy) {
        self.policy = policy
        guard let shape = plan?.shape else { return }
        plan = policy.plan(input: shape.input, kernel: shape.kernel, strides: shape.strides, padding: shape.padding)
    }

    /// x [N,H,W,C] -> [N,OH,OW,O].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        convolve(inputs[0], residual: nil)
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

    public override var differentiable: Bool { activation != .softmax }

    /// x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let dy = activation == .relu || activation == .linear ? dy : preActivationGradient(dy)
        let g = conv2dBackward(cachedInput!, kernel: weights[0].value, dy: dy, strides: strides, padding: padding,
                               needInputGradient: needsInputGradient, reluOutput: activation == .relu ? cachedOutput! : nil)
        accumulate(weights[0], g.dKernel)
        if useBias { accumulate(weights[1], Tensor(shape: [filters], data: g.dBias)) }
        return g.dx.map { [$0] } ?? []
    }

    /// dL/d(pre-activation) for the activations whose gradient needs the pre-activation (swish) or
    /// its image (sigmoid): the pre-activation is recomputed from the kept input rather than kept,
    /// as only EfficientNet's squeeze-and-excitation 1x1 convolutions (on 1x1 maps) use them.
    private func preActivationGradient(_ dy: Tensor) -> Tensor {
        let version = weights.reduce(0) { $0 &* 31 &+ $1.version }
        let z = plan!(cachedInput!, kernel: weights[0].value, kernelVersion: version,
                      bias: useBias ? weights[1].value.data : nil, relu: false, residual: nil)
        var y = z
        applyActivation(activation, &y)
        return activationBackward(activation, x: z, y: y, dy: dy)
    }
}
