import ZooTensor

/// Keras `ZeroPadding2D` with ((top, bottom), (left, right)).
public final class ZeroPadding2D: Layer, KerasLayer {
    public static let kerasClassName = "ZeroPadding2D"

    public let top: Int, bottom: Int, left: Int, right: Int

    public init(_ name: String, padding: ((Int, Int), (Int, Int))) {
        (top, bottom) = padding.0
        (left, right) = padding.1
        super.init(name: name)
    }

    public convenience init(_ name: String, padding: Int) {
        self.init(name, padding: ((padding, padding), (padding, padding)))
    }

    /// Keras accepts `1`, `[1, 2]` (symmetric rows, columns) and `[[1, 2], [0, 1]]`.
    public convenience init(name: String, config c: KerasLayerConfig) throws {
        try c.requireChannelsLast()
        self.init(name, padding: try c.border("padding"))
    }

    public override var kerasConfig: [String: any Sendable] {
        ["padding": [[top, bottom], [left, right]], "data_format": "channels_last"]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
            throw LayerError.argument(layer: name, problem: "padding \([[top, bottom], [left, right]]) must not be negative")
        }
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        let s = inputShapes[0]
        return [s[0] + top + bottom, s[1] + left + right, s[2]]
    }

    /// x [N,H,W,C] -> [N,H+top+bottom,W+left+right,C].
    public override func forward(_ inputs: [Tensor]) -> Tensor {
        zeroPad2dForward(inputs[0], top: top, bottom: bottom, left: left, right: right)
    }

    public override var differentiable: Bool { true }

    /// dy [N,H+top+bottom,W+left+right,C] -> dx [N,H,W,C], the border dropped.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        [zeroPad2dBackward(dy, top: top, bottom: bottom, left: left, right: right)]
    }
}
