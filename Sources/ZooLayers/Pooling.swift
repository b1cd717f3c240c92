import ZooTensor

/// Keras `MaxPooling2D` and `AveragePooling2D`.
public final class Pooling2D: Layer {
    public enum Kind: String, Sendable { case max = "MaxPooling2D", average = "AveragePooling2D" }
    public let kind: Kind
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    /// `strides` defaults to the pool size, as in Keras.
    public init(_ name: String, _ kind: Kind, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                padding: Padding = .valid) {
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        super.init(name: name)
    }

    public override var className: String { kind.rawValue }

    public override var kerasConfig: [String: any Sendable] {
        ["pool_size": [poolSize.0, poolSize.1], "strides": [strides.0, strides.1], "padding": padding.rawValue,
         "data_format": "channels_last"]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        let (rows, cols) = try windowOutput(inputShapes, window: poolSize, "pool size", strides: strides, padding: padding)
        return [rows, cols, inputShapes[0][2]]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        kind == .max
            ? maxPool2dForward(inputs[0], pool: poolSize, strides: strides, padding: padding)
            : avgPool2dForward(inputs[0], pool: poolSize, strides: strides, padding: padding)
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!
        return [kind == .max
            ? maxPool2dBackward(x, dy: dy, pool: poolSize, strides: strides, padding: padding)
            : avgPool2dBackward(dy, inputShape: x.shape, pool: poolSize, strides: strides, padding: padding)]
    }
}

/// Keras `GlobalAveragePooling2D` and `GlobalMaxPooling2D`.
public final class GlobalPooling2D: Layer {
    public enum Kind: String, Sendable { case average = "GlobalAveragePooling2D", max = "GlobalMaxPooling2D" }
    public let kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.kind = kind
        super.init(name: name)
    }

    public override var className: String { kind.rawValue }

    public override var kerasConfig: [String: any Sendable] { ["data_format": "channels_last", "keepdims": false] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        try expectRank(inputShapes, 3, "a (height, width, channels) input")
        return [inputShapes[0][2]]
    }

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        kind == .average ? globalAvgPool2dForward(inputs[0]) : globalMaxPool2dForward(inputs[0])
    }

    public override var keepsInput: Bool { true }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        let x = cachedInput!
        return [kind == .average ? globalAvgPool2dBackward(dy, inputShape: x.shape) : globalMaxPool2dBackward(x, dy: dy)]
    }
}

/// Keras `ZeroPadding2D` with ((top, bottom), (left, right)).
public final class ZeroPadding2D: Layer {
    public let top: Int, bottom: Int, left: Int, right: Int

    public init(_ name: String, padding: ((Int, Int), (Int, Int))) {
        (top, bottom) = padding.0
        (left, right) = padding.1
        super.init(name: name)
    }

    public convenience init(_ name: String, padding: Int) {
        self.init(name, padding: ((padding, padding), (padding, padding)))
    }

    public override var className: String { "ZeroPadding2D" }

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

    public override func forward(_ inputs: [Tensor]) -> Tensor {
        zeroPad2dForward(inputs[0], top: top, bottom: bottom, left: left, right: right)
    }

    public override var differentiable: Bool { true }

    public override func backward(_ dy: Tensor) -> [Tensor] {
        [zeroPad2dBackward(dy, top: top, bottom: bottom, left: left, right: right)]
    }
}
