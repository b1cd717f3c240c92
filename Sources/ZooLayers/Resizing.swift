import ZooTensor

/// Keras `Resizing` (bilinear, no crop or pad to aspect ratio): what exported models use to take
/// 28x28 digits to the backbone's input size.
public final class Resizing: Layer {
    public let height: Int, width: Int

    public init(_ name: String, height: Int, width: Int) {
        self.height = height
        self.width = width
        super.init(name: name)
    }

    public override var className: String { "Resizing" }

    public override var kerasConfig: [String: any Sendable] {
        ["height": height, "width": width, "interpolation": "bilinear", "crop_to_aspect_ratio": false]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([height, width], "height and width")
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return [height, width, inputShapes[0][2]]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        resizeBilinearForward(inputs[0], height: height, width: width)
    }
}

/// Keras `Rescaling`: x * scale + offset.
public final class Rescaling: Layer {
    public let scale: Float, offset: Float

    public init(_ name: String, scale: Float, offset: Float = 0) {
        self.scale = scale
        self.offset = offset
        super.init(name: name)
    }

    public override var className: String { "Rescaling" }

    public override var kerasConfig: [String: any Sendable] { ["scale": decimal(scale), "offset": decimal(offset)] }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        var y = inputs[0]
        for i in y.data.indices { y.data[i] = y.data[i] * scale + offset }
        return y
    }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        var dx = dy
        for i in dx.data.indices { dx.data[i] *= scale }
        return [dx]
    }
}
