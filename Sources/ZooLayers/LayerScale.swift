import ZooTensor

/// ConvNeXt's `LayerScale` (a custom class of keras.applications.convnext, written into files
/// under that name): x * gamma, one learned factor per channel of the last axis, `gamma` starting
/// at `init_values` (1e-6 in ConvNeXt). tf-keras names the variable `gamma`; Keras 3 adds it
/// unnamed, so its own files call it `variable`.
public final class LayerScale: Layer, KerasLayer, ConfiguredInitializer {
    public static let kerasClassName = "LayerScale"
    public static let gamma = WeightRole("gamma", legacyNames: ["variable"], initializer: .ones)

    public let initValues: Float
    public let projectionDim: Int

    public init(_ name: String, initValues: Float, projectionDim: Int) {
        self.initValues = initValues
        self.projectionDim = projectionDim
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let initValues = c.float("init_values") else { throw c.problem("LayerScale without init_values") }
        self.init(name, initValues: initValues, projectionDim: try c.requiredSize("projection_dim"))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["init_values": decimal(initValues), "projection_dim": projectionDim]
    }

    public override func weightCount(inputShapes: [[Int]]) -> Double { Double(projectionDim) }

    /// Keras builds gamma of `projection_dim` whatever the input; the product then broadcasts
    /// over the last axis, which zoo requires to be that long.
    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([projectionDim], "projection_dim")
        guard inputShapes.count == 1, inputShapes[0].last == projectionDim else {
            throw LayerError.inputShape(layer: name, expected: "one input of \(projectionDim) channels", found: inputShapes)
        }
        let fresh = weights.isEmpty
        try define([Weight(Self.gamma, shape: [projectionDim])], for: inputShapes)
        if fresh { weights[0].value = kerasInitialValue(of: weights[0])! }
        return inputShapes[0]
    }

    /// Keras's `initializers.Constant(init_values)`: ConvNeXt's blocks start almost switched off.
    public func kerasInitialValue(of weight: Weight) -> Tensor? {
        Tensor(repeating: initValues, shape: [projectionDim])
    }

    /// x [N,...,C] -> [N,...,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        let gamma = weights[0].value.data, c = projectionDim
        for i in y.data.indices { y.data[i] *= gamma[i % c] }
        return y
    }

    public override var keepsInput: Bool { true }
    public override var differentiable: Bool { true }

    /// x [N,...,C], dy [N,...,C] -> dx = dy * gamma; dgamma = sum of dy * x over all but the last axis.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!, gamma = weights[0].value.data, c = projectionDim
        var dGamma = [Float](repeating: 0, count: c)
        var dx = dy
        for i in dy.data.indices {
            dGamma[i % c] += dy.data[i] * x.data[i]
            dx.data[i] *= gamma[i % c]
        }
        accumulate(weights[0], Tensor(shape: [c], data: dGamma))
        return needsInputGradient ? [dx] : []
    }
}
