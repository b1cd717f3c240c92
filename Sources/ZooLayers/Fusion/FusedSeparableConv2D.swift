import ZooTensor

/// Inference only, and no Keras class: a SeparableConv2D with the BatchNormalization after it
/// folded into its pointwise kernel and bias, and the activation after them (ReLU in the GEMM's
/// epilogue, others in one vectorised pass): Xception's and NASNet's separable step without
/// the BatchNormalization's pass. The ReLU before it (Xception and NASNet activate before each
/// separable convolution) and a ZeroPadding2D between them can be absorbed too: the depthwise
/// kernel reads its input through the ReLU and skips the padding's taps. An inner 1x1 Conv2D
/// of the folded weights does the pointwise part.
public final class FusedSeparableConv2D: Layer {
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let activation: FusedActivation
    /// Whether the input goes through a ReLU first.
    public let inputReLU: Bool
    /// The absorbed ZeroPadding2D's (top, bottom, left, right), zeros without one.
    public let zeroPadding: (top: Int, bottom: Int, left: Int, right: Int)
    /// The folded pointwise convolution, ReLU or linear; built on the depthwise output.
    public let pointwise: Conv2D
    /// Taken from the Keras layers when fusing, so later changes to them need a new fused model.
    private let depthwiseKernel: Tensor
    private let folded: (kernel: Tensor, bias: Tensor)
    private let policy: ConvPolicy

    /// `separable` and `bn` are built layers of a model (`Model.fusedForInference` makes these).
    init(_ name: String, separable: SeparableConv2D, inputReLU: Bool = false, pad: ZeroPadding2D? = nil,
         bn: BatchNormalization, activation: FusedActivation) {
        precondition((pad == nil && !inputReLU) || separable.depthMultiplier == 1,
                     "only depth_multiplier 1 absorbs a ReLU or ZeroPadding2D before it")
        self.inputReLU = inputReLU
        zeroPadding = pad.map { ($0.top, $0.bottom, $0.left, $0.right) } ?? (0, 0, 0, 0)
        kernelSize = separable.kernelSize
        strides = separable.strides
        padding = separable.padding
        self.activation = activation
        depthwiseKernel = separable.weights[0].value
        folded = foldBatchNormalization(bn, kernel: separable.weights[1].value,
                                        bias: separable.useBias ? separable.weights[2].value.data : nil,
                                        channels: separable.filters)
        pointwise = Conv2D(name, filters: separable.filters, kernelSize: 1,
                           activation: activation == .relu(cap: .infinity) ? .relu : .linear)
        policy = separable.policy
        super.init(name: name)
        pointwise.replan(policy: policy)
    }

    public override var className: String { "FusedSeparableConv2D" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        let p = zeroPadding, s = inputShapes[0]
        let (rows, cols) = try windowOutput([[s[0] + p.top + p.bottom, s[1] + p.left + p.right, s[2]]], window: kernelSize,
                                            "kernel size", strides: strides, padding: padding)
        let cm = depthwiseKernel.shape[2] * depthwiseKernel.shape[3]
        guard inputShapes[0][2] == depthwiseKernel.shape[2] else {
            throw LayerError.inputShape(layer: name, expected: "the input its separable convolution was built for",
                                        found: inputShapes)
        }
        let output = try pointwise.build([[rows, cols, cm]])
        pointwise.weights[0].value = folded.kernel
        pointwise.weights[1].value = folded.bias
        try define([Weight(SeparableConv2D.depthwiseKernel, shape: depthwiseKernel.shape)] + pointwise.weights,
                   for: inputShapes)
        weights[0].value = depthwiseKernel
        return output
    }

    /// x [N,H,W,C] -> [N,OH,OW,filters].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        let d = depthwiseConv2dForward(inputs[0], kernel: weights[0].value, bias: nil, strides: strides, padding: padding,
                                       zeroPadding: zeroPadding, inputReLU: inputReLU)
        var y = pointwise.convolve(d, residual: nil)
        if pointwise.activation != .relu { applyFusedActivation(activation, &y) }
        return y
    }

    public override var planDescription: String? {
        let before = (inputReLU ? " of its ReLU'd input" : "") + (zeroPadding == (0, 0, 0, 0) ? "" : " with its zero padding")
        return pointwise.planDescription.map {
            "depthwise kernel\(before), then pointwise \($0) with folded BatchNormalization, \(activation)"
        }
    }

    public override func replan(policy: ConvPolicy) { pointwise.replan(policy: policy) }

    public override func flops(outputShape: [Int]) -> Int {
        2 * outputShape[0] * outputShape[1] * (weights[0].count + weights[1].count)
    }
}
