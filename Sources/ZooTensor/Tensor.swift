/// A dense float32 tensor in row-major order. Activations are NHWC, kernels HWIO, as in Keras.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Rows `range` of the first dimension (a batch slice).
    public func rows(_ range: Range<Int>) -> Tensor {
        let stride = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst(),
                      data: Array(data[range.lowerBound * stride..<range.upperBound * stride]))
    }

    public var maxAbs: Float { data.reduce(0) { max($0, abs($1)) } }
}

/// Writes a shape the way Keras prints it: `(None, 7, 7, 512)`.
public func describeShape(_ shape: [Int], batch: Bool = true) -> String {
    let parts = (batch ? ["None"] : []) + shape.map(String.init)
    return "(" + parts.joined(separator: ", ") + (parts.count == 1 ? ",)" : ")")
}

extension Array where Element == Tensor {
    /// Moves element i out, leaving an empty tensor in its place, so that the caller holds the
    /// array's reference to its values (and can update them without a copy if it was the only one).
    public mutating func take(_ i: Int) -> Tensor {
        var t = Tensor(shape: [0], data: [])
        swap(&t, &self[i])
        return t
    }
}
