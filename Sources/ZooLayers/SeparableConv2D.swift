import ZooTensor

/// Keras `SeparableConv2D` (channels_last, no dilation): a depthwise convolution with
/// `depth_multiplier` filters per channel, then a 1x1 pointwise convolution to `filters`, the
/// bias and the activation (Xception's blocks).
public final class SeparableConv2D: Layer, KerasLayer {
    public static let kerasClassName = "SeparableConv2D"
    public static let depthwiseKernel = WeightRole("depthwise_kernel", initializer: .glorotUniform)
    public static let pointwiseKernel = WeightRole("pointwise_kernel", initializer: .glorotUniform)
    public static let bias = WeightRole("bias", initializer: .zeros)

    public let filters: Int
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let depthMultiplier: Int
    public let activation: Activation
    public let useBias: Bool

    public init(
        _ name: String, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        depthMultiplier: Int = 1, activation: Activation = .linear, useBias: Bool = true
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.depthMultiplier = depthMultiplier
        self.activation = activation
        self.useBias = useBias
        super.init(name: name)
    }

    public convenience init(
        _ name: String, filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        depthMultiplier: Int = 1, activation: Activation = .linear, useBias: Bool = true
    ) {
        self.init(name, filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, depthMultiplier: depthMultiplier, activation: activation, useBias: useBias)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        if try c.pair("dilation_rate", default: (1, 1)) != (1, 1) { throw c.unsupported("dilation") }
        self.init(name, filters: try c.requiredSize("filters"), kernelSize: try c.pair("kernel_size", default: (1, 1)),
                  strides: try c.pair("strides", default: (1, 1)), padding: try c.padding(),
                  depthMultiplier: try c.size("depth_multiplier") ?? 1, activation: try c.activation(),
                  useBias: c.bool("use_bias", default: true))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["filters": filters, "kernel_size": [kernelSize.0, kernelSize.1], "strides": [strides.0, strides.1],
         "padding": padding.rawValue, "depth_multiplier": depthMultiplier, "data_format": "channels_last",
         "dilation_rate": [1, 1], "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Checked before `build` allocates: depthwise [KH,KW,C,M] and pointwise [1,1,C*M,F].
    public override func weightCount(inputShapes: [[Int]]) -> Double {
        let cm = Double(inputShapes.first?.last ?? 0) * Double(depthMultiplier)
        return Double(kernelSize.0) * Double(kernelSize.1) * cm + cm * Double(filters)
    }

    public override func flops(outputShape: [Int]) -> Int {
        2 * outputShape[0] * outputShape[1] * (weights[0].count + weights[1].count)
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([filters, depthMultiplier], "filters and depth_multiplier")
        let (rows, cols) = try windowOutput(inputShapes, window: kernelSize, "kernel size", strides: strides, padding: padding)
        let c = inputShapes[0][2]
        try define([Weight(Self.depthwiseKernel, shape: [kernelSize.0, kernelSize.1, c, depthMultiplier]),
                    Weight(Self.pointwiseKernel, shape: [1, 1, c * depthMultiplier, filters])]
                   + (useBias ? [Weight(Self.bias, shape: [filters])] : []), for: inputShapes)
        pointwisePlan = policy.plan(input: [rows, cols, c * depthMultiplier], kernel: [1, 1, c * depthMultiplier, filters],
                                    strides: (1, 1), padding: .valid)
        return [rows, cols, filters]
    }

    /// How the pointwise 1x1 convolution runs, chosen when the layer is built (by `policy`).
    public private(set) var pointwisePlan: Conv2DPlan?
    public private(set) var policy = ConvPolicy.default

    public override var planDescription: String? { pointwisePlan.map { "depthwise kernel, then pointwise \($0.description)" } }

    public override func replan(policy: ConvPolicy) {
        self.policy = policy
        guard let shape = pointwisePlan?.shape else { return }
        pointwisePlan = policy.plan(input: shape.input, kernel: shape.kernel, strides: shape.strides, padding: shape.padding)
    }

    /// x [N,H,W,C] -> depthwise [N,OH,OW,C*M].
    private func depthwise(_ x: Tensor) -> Tensor {
        depthwiseConv2dForward(x, kernel: weights[0].value, bias: nil, strides: strides, padding: padding)
    }

    /// depthwise [N,OH,OW,C*M] -> [N,OH,OW,F].
    private func pointwise(_ d: Tensor) -> Tensor {
        var y = pointwisePlan!(d, kernel: weights[1].value, kernelVersion: weights[1].version,
                               bias: useBias ? weights[2].value.data : nil, relu: activation == .relu, residual: nil)
        if activation != .relu { applyActivation(activation, &y) }
        return y
    }

    /// x [N,H,W,C] -> [N,OH,OW,F].
    public override func forward(_ inputs: [Tensor]) -> Tensor { pointwise(depthwise(inputs[0])) }

    /// The depthwise output, which the pointwise kernel's gradient needs.
    private var cachedDepthwise: Tensor?

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training else { return forward(inputs) }
        let d = depthwise(inputs[0])
        let y = pointwise(d)
        (cachedInput, cachedDepthwise, cachedOutput) = (inputs[0], d, activation == .relu ? y : nil)
        return y
    }

    public override var differentiable: Bool { activation == .relu || activation == .linear }

    /// dy [N,OH,OW,F] -> d(depthwise) [N,OH,OW,C*M] -> dx [N,H,W,C].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let p = conv2dBackward(cachedDepthwise!, kernel: weights[1].value, dy: dy, strides: (1, 1), padding: .valid,
                               needInputGradient: true, reluOutput: activation == .relu ? cachedOutput! : nil)
        let d = depthwiseConv2dBackward(cachedInput!, kernel: weights[0].value, dy: p.dx!, strides: strides, padding: padding,
                                        needInputGradient: needsInputGradient)
        accumulate(weights[0], d.dKernel)
        accumulate(weights[1], p.dKernel)
        if useBias { accumulate(weights[2], Tensor(shape: [filters], data: p.dBias)) }
        return d.dx.map { [$0] } ?? []
    }
}
