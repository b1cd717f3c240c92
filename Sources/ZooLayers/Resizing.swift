import ZooTensor

/// Keras `Resizing` (bilinear, no crop or pad to aspect ratio): what exported models use to take
/// 28x28 digits to the backbone's input size.
public final class Resizing: Layer, KerasLayer {
    public static let kerasClassName = "Resizing"

    public let height: Int, width: Int

    public init(_ name: String, height: Int, width: Int) {
        self.height = height
        self.width = width
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard (c["interpolation"] as? String ?? "bilinear") == "bilinear", !c.bool("crop_to_aspect_ratio", default: false),
              !c.bool("pad_to_aspect_ratio", default: false), !c.bool("antialias", default: false),
              let h = c["height"] as? Int, let w = c["width"] as? Int else {
            throw c.unsupported("only bilinear resizing without crop, pad or antialias")
        }
        try c.checkSizes([h, w], "height and width")
        self.init(name, height: h, width: w)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["height": height, "width": width, "interpolation": "bilinear", "crop_to_aspect_ratio": false]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectPositive([height, width], "height and width")
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return [height, width, inputShapes[0][2]]
    }

    /// x [N,H,W,C] -> [N,height,width,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        resizeBilinearForward(inputs[0], height: height, width: width)
    }
}
