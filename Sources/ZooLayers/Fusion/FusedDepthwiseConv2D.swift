import ZooTensor

/// Inference only, and no Keras class: a DepthwiseConv2D with the BatchNormalization after it
/// folded into its kernel and bias and the activation after them (relu, relu6, swish,
/// hard_swish) applied as each sum is stored: MobileNet's and EfficientNet's depthwise step in
/// one pass over its output instead of three (four with the ZeroPadding2D before a stride-2
/// one, whose taps are skipped).
public final class FusedDepthwiseConv2D: Layer {
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let depthMultiplier: Int
    public let activation: FusedActivation
    /// The absorbed ZeroPadding2D's (top, bottom, left, right), zeros without one.
    public let zeroPadding: (top: Int, bottom: Int, left: Int, right: Int)
    /// Taken from the Keras layers when fusing, so later changes to them need a new fused model.
    private let folded: (kernel: Tensor, bias: Tensor)

    /// `depthwise` and `bn` are built layers of a model (`Model.fusedForInference` makes these).
    init(_ name: String, depthwise: DepthwiseConv2D, pad: ZeroPadding2D? = nil, bn: BatchNormalization,
         activation: FusedActivation) {
        precondition(pad == nil || depthwise.depthMultiplier == 1, "only depth_multiplier 1 absorbs a ZeroPadding2D")
        zeroPadding = pad.map { ($0.top, $0.bottom, $0.left, $0.right) } ?? (0, 0, 0, 0)
        kernelSize = depthwise.kernelSize
        strides = depthwise.strides
        padding = depthwise.padding
        depthMultiplier = depthwise.depthMultiplier
        self.activation = activation
        let kernel = depthwise.weights[0].value
        folded = foldBatchNormalization(bn, kernel: kernel, bias: depthwise.useBias ? depthwise.weights[1].value.data : nil,
                                        channels: kernel.shape[2] * kernel.shape[3])
        super.init(name: name)
    }

    public override var className: String { "FusedDepthwiseConv2D" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        let p = zeroPadding, s = inputShapes[0]
        let (rows, cols) = try windowOutput([[s[0] + p.top + p.bottom, s[1] + p.left + p.right, s[2]]], window: kernelSize,
                                            "kernel size", strides: strides, padding: padding)
        guard inputShapes[0][2] == folded.kernel.shape[2] else {
            throw LayerError.inputShape(layer: name, expected: "the input its depthwise convolution was built for",
                                        found: inputShapes)
        }
        try define([Weight(DepthwiseConv2D.depthwiseKernel, shape: folded.kernel.shape),
                    Weight(DepthwiseConv2D.bias, shape: folded.bias.shape)], for: inputShapes)
        weights[0].value = folded.kernel
        weights[1].value = folded.bias
        return [rows, cols, folded.bias.count]
    }

    /// x [N,H,W,C] -> [N,OH,OW,C*M].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        depthwiseConv2dForward(inputs[0], kernel: weights[0].value, bias: weights[1].value.data, strides: strides,
                               padding: padding, activation: activation, zeroPadding: zeroPadding)
    }

    public override var planDescription: String? {
        "depthwise\(zeroPadding == (0, 0, 0, 0) ? "" : " with its zero padding"), folded BatchNormalization, \(activation)"
    }

    public override func flops(outputShape: [Int]) -> Int { 2 * outputShape[0] * outputShape[1] * weights[0].count }
}

/// BatchNormalization(conv(x)) as one convolution whose output channel is the kernel's last
/// axis (channel i of the flattened kernel is i % channels): W'[.., o] = W[.., o] * s[o] and
/// b'[o] = (b[o] - mean[o]) * s[o] + beta[o], with s = gamma / sqrt(var + eps).
func foldBatchNormalization(_ bn: BatchNormalization, kernel: Tensor, bias: [Float]?, channels o: Int)
    -> (kernel: Tensor, bias: Tensor) {
    typealias BN = BatchNormalization
    let mean = bn.weight(BN.movingMean)!.value.data, variance = bn.weight(BN.movingVariance)!.value.data
    let gamma = bn.weight(BN.gamma)?.value.data, beta = bn.weight(BN.beta)?.value.data
    let scale = (0..<o).map { (gamma?[$0] ?? 1) / (variance[$0] + bn.epsilon).squareRoot() }
    var kernel = kernel
    for i in kernel.data.indices { kernel.data[i] *= scale[i % o] }
    let bias = bias ?? [Float](repeating: 0, count: o)
    let folded = (0..<o).map { (bias[$0] - mean[$0]) * scale[$0] + (beta?[$0] ?? 0) }
    return (kernel, Tensor(shape: [o], data: folded))
}
