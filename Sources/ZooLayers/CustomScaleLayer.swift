import ZooTensor

/// keras.applications InceptionResNetV2's scaled residual, `CustomScaleLayer(scale)([x, r])` =
/// x + r * scale (Keras 3 writes this class in configs; tf-keras wrote a Lambda instead, whose
/// Python code zoo cannot run).
public final class CustomScaleLayer: Layer, KerasLayer {
    public static let kerasClassName = "CustomScaleLayer"
    public static var inputCount: ClosedRange<Int> { 2...2 }

    public let scale: Float

    public init(_ name: String, scale: Float) {
        self.scale = scale
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let scale = c.float("scale") else { throw c.problem("cannot read scale") }
        self.init(name, scale: scale)
    }

    public override var kerasConfig: [String: any Sendable] { ["scale": decimal(scale)] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count == 2, inputShapes[0] == inputShapes[1] else {
            throw LayerError.inputShape(layer: name, expected: "two inputs of one shape (the shortcut and the residual)",
                                        found: inputShapes)
        }
        return inputShapes[0]
    }

    /// [x, r] both [N,...] -> x + r * scale, multiplied before the add as Keras does.
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        let r = inputs[1]
        y.data.withUnsafeMutableBufferPointer { yp in
            r.data.withUnsafeBufferPointer { rp in
                for i in 0..<yp.count { yp[i] += rp[i] * scale }
            }
        }
        return y
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> [dy, dy * scale].
    public override func backward(_ dy: Tensor) -> [Tensor] {
        var dr = dy
        for i in dr.data.indices { dr.data[i] *= scale }
        return [dy, dr]
    }
}
