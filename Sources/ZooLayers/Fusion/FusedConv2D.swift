import ZooTensor

/// Inference only, and no Keras class: a Conv2D with the BatchNormalization after it folded into
/// its kernel and bias (candle's `absorb_bn`), optionally the activation after them (ReLU in the
/// GEMM's epilogue; relu6, swish, hard_swish in one vectorised pass) and, for a ResNet
/// block's last 1x1 convolution, the block's Add, whose other input then arrives as a residual
/// added in the GEMM's epilogue. An inner Conv2D of the folded weights computes it.
public final class FusedConv2D: Layer {
    /// The folded convolution, ReLU or linear; built on this layer's first input.
    public let inner: Conv2D
    /// Whether a second input is added before the activation.
    public let residual: Bool
    /// The activation after the folded BatchNormalization; plain ReLU runs inside `inner`.
    public let activation: FusedActivation
    /// Taken from the Keras layers when fusing, so later changes to them need a new fused model.
    private let folded: (kernel: Tensor, bias: Tensor)

    /// `conv` and `bn` are built layers of a model (`Model.fusedForInference` makes these).
    init(_ name: String, conv: Conv2D, bn: BatchNormalization, activation: FusedActivation, residual: Bool) {
        self.residual = residual
        self.activation = activation
        folded = foldBatchNormalization(bn, kernel: conv.weights[0].value, bias: conv.useBias ? conv.weights[1].value.data : nil,
                                        channels: conv.filters)
        inner = Conv2D(name, filters: conv.filters, kernelSize: conv.kernelSize, strides: conv.strides,
                       padding: conv.padding, activation: activation == .relu(cap: .infinity) ? .relu : .linear)
        super.init(name: name)
        // Planned when built, by the policy the Keras layer was planned by (`Model.replan`).
        inner.replan(policy: conv.policy)
    }

    public override var className: String { "FusedConv2D" }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let output = try inner.build(Array(inputShapes.prefix(1)))
        guard inputShapes.count == (residual ? 2 : 1), !residual || inputShapes[1] == output,
              inner.weights[0].shape == folded.kernel.shape else {
            throw LayerError.inputShape(layer: name, expected: residual ? "an input and a residual of shape \(output)"
                                            : "the input its convolution was built for", found: inputShapes)
        }
        inner.weights[0].value = folded.kernel
        inner.weights[1].value = folded.bias
        weights = inner.weights
        return output
    }

    /// x [N,H,W,C] (and the residual [N,OH,OW,O]) -> [N,OH,OW,O].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inner.convolve(inputs[0], residual: residual ? inputs[1] : nil)
        if inner.activation != .relu { applyFusedActivation(activation, &y) }
        return y
    }

    public override var planDescription: String? { inner.planDescription }

    public override func replan(policy: ConvPolicy) { inner.replan(policy: policy) }

    public override func flops(outputShape: [Int]) -> Int { inner.flops(outputShape: outputShape) }
}
