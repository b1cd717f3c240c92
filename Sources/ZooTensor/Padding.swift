/// Keras's `padding` argument for convolutions and pooling.
public enum Padding: String, Sendable, CaseIterable {
    case valid, same
}

/// Output size and leading padding along one spatial axis, computed exactly as TensorFlow does:
/// `same` pads `max((ceil(in/s)-1)*s + k - in, 0)` in total, the smaller half before
/// (so stride-2 convolutions on even inputs pad only at the end).
public struct AxisGeometry: Sendable, Equatable {
    public let input: Int, kernel: Int, stride: Int
    public let output: Int, padBefore: Int, padAfter: Int

    public init(input: Int, kernel: Int, stride: Int, padding: Padding, dilation: Int = 1) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        let effective = (kernel - 1) * dilation + 1
        switch padding {
        case .valid:
            output = input >= effective ? (input - effective) / stride + 1 : 0
            padBefore = 0
            padAfter = 0
        case .same:
            output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + effective - input, 0)
            padBefore = total / 2
            padAfter = total - padBefore
        }
    }

    /// The input positions under the window of output position `index`, clamped to the input:
    /// the taps that fall on padding are dropped (pooling ignores them; never empty for pooling,
    /// whose padding is always smaller than its window).
    @inline(__always)
    public func window(_ index: Int) -> Range<Int> {
        let start = index * stride - padBefore
        let lower = max(0, start)
        return lower..<max(lower, min(input, start + kernel))
    }

    /// The kernel taps of output position `index` that land inside the input (the same window,
    /// counted from the kernel's first tap).
    @inline(__always)
    public func taps(_ index: Int) -> Range<Int> {
        let start = index * stride - padBefore, inside = window(index)
        return (inside.lowerBound - start)..<(inside.upperBound - start)
    }
}

/// The geometry of a 2-D window op (convolution or pooling) on an NHWC batch.
public struct WindowGeometry: Sendable, Equatable {
    public let batch: Int, channels: Int
    public let rows: AxisGeometry, cols: AxisGeometry

    public init(input shape: [Int], kernel: (Int, Int), strides: (Int, Int), padding: Padding) {
        precondition(shape.count == 4, "window ops take NHWC tensors, got \(shape)")
        batch = shape[0]
        channels = shape[3]
        rows = AxisGeometry(input: shape[1], kernel: kernel.0, stride: strides.0, padding: padding)
        cols = AxisGeometry(input: shape[2], kernel: kernel.1, stride: strides.1, padding: padding)
    }

    public var outputPixels: Int { batch * rows.output * cols.output }
}
