import ZooTensor

/// Keras `Conv2D` (channels_last, HWIO kernel, no dilation). With `groups` G the kernel is
/// [KH,KW,C/G,F] and each group of F/G filters sees its own C/G input channels (ConvNeXt's 7x7
/// convolution has one channel per group).
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
    public let groups: Int

    public init(
        _ name: String, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
        padding: Padding = .valid, activation: Activation = .linear, useBias: Bool = true, groups: Int = 1
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.groups = groups
        super.init(name: name)
    }

    public convenience init(
        _ name: String, filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, groups: Int = 1
    ) {
        self.init(name, filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, activation: activation, useBias: useBias, groups: groups)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        if try c.pair("dilation_rate", default: (1, 1)) != (1, 1) { throw c.unsupported("dilation") }
        self.init(name, filters: try c.requiredSize("filters"), kernelSize: try c.pair("kernel_size", default: (1, 1)),
                  strides: try c.pair("strides", default: (1, 1)), padding: try c.padding(),
                  activation: try c.activation(), useBias: c.bool("use_bias", default: true),
                  groups: try c.size("groups") ?? 1)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["filters": filters, "kernel_size": [kernelSize.0, kernelSize.1], "strides": [strides.0, strides.1],
         "padding": padding.rawValue, "data_format": "channels_last", "dilation_rate": [1, 1], "groups": groups,
         "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Checked before `build` allocates: kernel [KH,KW,C/G,O].
    public override func weightCount(inputShapes: [[Int]]) -> Double {
        Double(kernelSize.0) * Double(kernelSize.1) * Double(inputShapes.first?.last ?? 0) / Double(max(groups, 1))
            * Double(filters)
    }

    public override func flops(outputShape: [Int]) -> Int {
        2 * outputShape[0] * outputShape[1] * weights[0].count
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([filters], "filters")
        try expectPositive([groups], "groups")
        let (rows, cols) = try windowOutput(inputShapes, window: kernelSize, "kernel size", strides: strides, padding: padding)
        let channels = inputShapes[0][2]
        guard channels % groups == 0, filters % groups == 0 else {
            // Keras's own message: both must divide into the groups.
            throw LayerError.inputShape(layer: name, expected: "input channels and filters (\(filters)) divisible by groups (\(groups))",
                                        found: inputShapes)
        }
        let kernel = [kernelSize.0, kernelSize.1, channels / groups, filters]
        try define([Weight(Self.kernel, shape: kernel)] + (useBias ? [Weight(Self.bias, shape: [filters])] : []), for: inputShapes)
        makePlan(input: inputShapes[0], kernel: kernel)
        return [rows, cols, filters]
    }

    /// How this layer convolves, chosen from its input shape when it is built (by
    /// `ConvPolicy.default`, or the policy of `replan(policy:)`).
    public internal(set) var plan: Conv2DPlan?
    /// The plan instead of `plan` when `groups` > 1.
    public internal(set) var groupedPlan: GroupedConv2DPlan?

    private func makePlan(input: [Int], kernel: [Int]) {
        if groups == 1 {
            plan = policy.plan(input: input, kernel: kernel, strides: strides, padding: padding)
        } else {
            groupedPlan = GroupedConv2DPlan(policy: policy, input: input, kernel: kernel, strides: strides, padding: padding,
                                            groups: groups)
        }
    }

    /// What chooses `plan`: `ConvPolicy.default` until `replan(policy:)`.
    public private(set) var policy = ConvPolicy.default

    public override var planDescription: String? { plan?.description ?? groupedPlan?.description }

    /// A layer not yet built gets its plan when it is; later builds keep `policy`.
    public override func replan(policy: ConvPolicy) {
        self.policy = policy
        if let grouped = groupedPlan { makePlan(input: grouped.input, kernel: grouped.kernel) }
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
        if let groupedPlan {
            var y = groupedPlan(x, kernel: weights[0].value, kernelVersion: version, bias: useBias ? weights[1].value.data : nil)
            if let residual { y = addForward([y, residual], relu: false) }
            applyActivation(activation, &y)
            return y
        }
        var y = plan!(x, kernel: weights[0].value, kernelVersion: version, bias: useBias ? weights[1].value.data : nil,
                      relu: activation == .relu, residual: residual)
        if activation != .relu { applyActivation(activation, &y) }
        return y
    }

    public override var keepsInput: Bool { true }
    public override var keepsOutput: Bool { activation == .relu }

    public override var differentiable: Bool { activation != .softmax }

    /// x [N,H,W,C], kernel [KH,KW,C/G,O], dy [N,OH,OW,O].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        if groups > 1 {
            let pre = activation == .relu ? reluBackward(y: cachedOutput!, dy: dy)
                : activation == .linear ? dy : preActivationGradient(dy)
            let g = groupedConv2dBackward(cachedInput!, kernel: weights[0].value, dy: pre, strides: strides, padding: padding,
                                          groups: groups, needInputGradient: needsInputGradient)
            accumulate(weights[0], g.dKernel)
            if useBias { accumulate(weights[1], Tensor(shape: [filters], data: g.dBias)) }
            return g.dx.map { [$0] } ?? []
        }
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
        let bias = useBias ? weights[1].value.data : nil
        let z = groups > 1
            ? groupedPlan!(cachedInput!, kernel: weights[0].value, kernelVersion: version, bias: bias)
            : plan!(cachedInput!, kernel: weights[0].value, kernelVersion: version, bias: bias, relu: false, residual: nil)
        var y = z
        applyActivation(activation, &y)
        return activationBackward(activation, x: z, y: y, dy: dy)
    }
}
