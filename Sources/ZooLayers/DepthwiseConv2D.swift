import ZooTensor

/// Keras `DepthwiseConv2D` (channels_last, no dilation): each input channel convolved with its
/// own `depth_multiplier` filters, kernel [KH,KW,C,M] as Keras's `depthwise_kernel`.
public final class DepthwiseConv2D: Layer, KerasLayer {
    public static let kerasClassName = "DepthwiseConv2D"
    /// tf-keras and the official weight files call it `depthwise_kernel`; Keras 3 names the
    /// variable `kernel`, and so do the .h5 files it writes.
    public static let depthwiseKernel = WeightRole("depthwise_kernel", legacyNames: ["kernel"], initializer: .glorotUniform)
    public static let bias = WeightRole("bias", initializer: .zeros)

    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let depthMultiplier: Int
    public let activation: Activation
    public let useBias: Bool

    public init(
        _ name: String, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        depthMultiplier: Int = 1, activation: Activation = .linear, useBias: Bool = true
    ) {
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.depthMultiplier = depthMultiplier
        self.activation = activation
        self.useBias = useBias
        super.init(name: name)
    }

    public convenience init(
        _ name: String, kernelSize: Int, strides: Int = 1, padding: Padding = .valid, depthMultiplier: Int = 1,
        activation: Activation = .linear, useBias: Bool = true
    ) {
        self.init(name, kernelSize: (kernelSize, kernelSize), strides: (strides, strides), padding: padding,
                  depthMultiplier: depthMultiplier, activation: activation, useBias: useBias)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        if try c.pair("dilation_rate", default: (1, 1)) != (1, 1) { throw c.unsupported("dilation") }
        self.init(name, kernelSize: try c.pair("kernel_size", default: (1, 1)), strides: try c.pair("strides", default: (1, 1)),
                  padding: try c.padding(), depthMultiplier: try c.size("depth_multiplier") ?? 1,
                  activation: try c.activation(), useBias: c.bool("use_bias", default: true))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["kernel_size": [kernelSize.0, kernelSize.1], "strides": [strides.0, strides.1], "padding": padding.rawValue,
         "depth_multiplier": depthMultiplier, "data_format": "channels_last", "dilation_rate": [1, 1],
         "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Checked before `build` allocates: kernel [KH,KW,C,M].
    public override func weightCount(inputShapes: [[Int]]) -> Double {
        Double(kernelSize.0) * Double(kernelSize.1) * Double(inputShapes.first?.last ?? 0) * Double(depthMultiplier)
    }

    public override func flops(outputShape: [Int]) -> Int {
        2 * outputShape[0] * outputShape[1] * weights[0].count
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([depthMultiplier], "depth_multiplier")
        let (rows, cols) = try windowOutput(inputShapes, window: kernelSize, "kernel size", strides: strides, padding: padding)
        let c = inputShapes[0][2]
        try define([Weight(Self.depthwiseKernel, shape: [kernelSize.0, kernelSize.1, c, depthMultiplier])]
                   + (useBias ? [Weight(Self.bias, shape: [c * depthMultiplier])] : []), for: inputShapes)
        return [rows, cols, c * depthMultiplier]
    }

    /// x [N,H,W,C] -> [N,OH,OW,C*M].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = depthwiseConv2dForward(inputs[0], kernel: weights[0].value, bias: useBias ? weights[1].value.data : nil,
                                       strides: strides, padding: padding)
        applyActivation(activation, &y)
        return y
    }

    public override var keepsInput: Bool { true }
    public override var keepsOutput: Bool { activation == .relu }

    public override var differentiable: Bool { activation == .relu || activation == .linear }

    /// x [N,H,W,C], kernel [KH,KW,C,M], dy [N,OH,OW,C*M] -> dx [N,H,W,C].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let pre = activation == .relu ? reluBackward(y: cachedOutput!, dy: dy) : dy
        let g = depthwiseConv2dBackward(cachedInput!, kernel: weights[0].value, dy: pre, strides: strides, padding: padding,
                                        needInputGradient: needsInputGradient)
        accumulate(weights[0], g.dKernel)
        if useBias { accumulate(weights[1], Tensor(shape: [g.dBias.count], data: g.dBias)) }
        return g.dx.map { [$0] } ?? []
    }
}
