import ZooTensor

/// Keras `Cropping2D` with ((top, bottom), (left, right)): drops rows and columns at the borders
/// (NASNet's `_adjust_block` shifts its second path by one pixel with ZeroPadding2D then
/// Cropping2D).
public final class Cropping2D: Layer, KerasLayer {
    public static let kerasClassName = "Cropping2D"

    public let top: Int, bottom: Int, left: Int, right: Int

    public init(_ name: String, cropping: ((Int, Int), (Int, Int))) {
        (top, bottom) = cropping.0
        (left, right) = cropping.1
        super.init(name: name)
    }

    public convenience init(_ name: String, cropping: Int) {
        self.init(name, cropping: ((cropping, cropping), (cropping, cropping)))
    }

    /// Keras accepts `1`, `[1, 2]` (symmetric rows, columns) and `[[1, 2], [0, 1]]`, as for
    /// ZeroPadding2D.
    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        self.init(name, cropping: try c.border("cropping"))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["cropping": [[top, bottom], [left, right]], "data_format": "channels_last"]
    }

    /// Keras refuses a cropping that leaves no row or column.
    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
            throw LayerError.argument(layer: name, problem: "cropping \([[top, bottom], [left, right]]) must not be negative")
        }
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        let s = inputShapes[0]
        guard s[0] > top + bottom, s[1] > left + right else {
            throw LayerError.inputShape(layer: name, expected: "an input larger than the cropping \([[top, bottom], [left, right]])",
                                        found: inputShapes)
        }
        return [s[0] - top - bottom, s[1] - left - right, s[2]]
    }

    /// x [N,H,W,C] -> [N,H-top-bottom,W-left-right,C]: the crop is the adjoint of zero padding,
    /// so the padding kernels serve both ways.
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        zeroPad2dBackward(inputs[0], top: top, bottom: bottom, left: left, right: right)
    }

    public override var differentiable: Bool { true }

    /// dy [N,H-top-bottom,W-left-right,C] -> dx [N,H,W,C], zero on the cropped border.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [zeroPad2dForward(dy, top: top, bottom: bottom, left: left, right: right)]
    }
}
