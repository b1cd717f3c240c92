import ZooTensor

/// Keras `Dense` on the last axis of its input: a flat (features) input, or every position of a
/// feature map (ConvNeXt's pointwise layers on NHWC), as Keras applies it.
public final class Dense: Layer, KerasLayer {
    public static let kerasClassName = "Dense"
    /// Keras 1 stored them as `W` and `b`.
    public static let kernel = WeightRole("kernel", legacyNames: ["W"], initializer: .glorotUniform)
    public static let bias = WeightRole("bias", legacyNames: ["b"], initializer: .zeros)

    public let units: Int
    public let activation: Activation
    public let useBias: Bool

    public init(_ name: String, units: Int, activation: Activation = .linear, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        self.init(name, units: try c.requiredSize("units"), activation: try c.activation(),
                  useBias: c.bool("use_bias", default: true))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["units": units, "activation": activation.rawValue, "use_bias": useBias]
    }

    /// Checked before `build` allocates: kernel [I,O].
    public override func weightCount(inputShapes: [[Int]]) -> Double {
        Double(inputShapes.first?.last ?? 0) * Double(units)
    }

    public override func flops(outputShape: [Int]) -> Int { 2 * weights[0].count }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([units], "units")
        guard inputShapes.count == 1, let features = inputShapes[0].last else {
            throw LayerError.inputShape(layer: name, expected: "one input with a features axis", found: inputShapes)
        }
        try define([Weight(Self.kernel, shape: [features, units])] + (useBias ? [Weight(Self.bias, shape: [units])] : []),
                   for: inputShapes)
        return inputShapes[0].dropLast() + [units]
    }

    /// x [N,...,I] -> [N,...,O].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = unflatten(denseForward(flat(inputs[0]), kernel: weights[0].value, bias: useBias ? weights[1].value.data : nil),
                          like: inputs[0])
        applyActivation(activation, &y)
        return y
    }

    /// [N,...,I] as the matrix [N*...,I] Keras multiplies (a no-op on flat inputs).
    private func flat(_ x: Tensor) -> Tensor {
        x.rank == 2 ? x : x.reshaped([x.count / x.shape.last!, x.shape.last!])
    }

    /// A [N*...,K] result back in the shape of `x` [N,...,I], with K on the last axis.
    private func unflatten(_ y: Tensor, like x: Tensor) -> Tensor {
        x.rank == 2 ? y : y.reshaped(x.shape.dropLast() + [y.shape.last!])
    }

    /// The pre-activation of the last training forward (for a softmax output, the logits).
    public private(set) var logits: Tensor?

    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training else { return forward(inputs) }
        let z = unflatten(denseForward(flat(inputs[0]), kernel: weights[0].value, bias: useBias ? weights[1].value.data : nil),
                          like: inputs[0])
        var y = z
        applyActivation(activation, &y)
        (cachedInput, cachedOutput, logits) = (inputs[0], y, z)
        return y
    }

    public override var differentiable: Bool { [.linear, .relu, .softmax].contains(activation) }

    /// x [N,...,I], kernel [I,O], dy [N,...,O]. A softmax output is differentiated only fused with
    /// cross-entropy (as Keras does): `dy` is then already the gradient at the logits.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let dz = activation == .relu ? reluBackward(y: cachedOutput!, dy: dy) : dy
        let x = cachedInput!
        let g = denseBackward(flat(x), kernel: weights[0].value, dy: flat(dz), needInputGradient: needsInputGradient)
        accumulate(weights[0], g.dKernel)
        if useBias { accumulate(weights[1], Tensor(shape: [units], data: g.dBias)) }
        return g.dx.map { [unflatten($0, like: x)] } ?? []
    }
}
