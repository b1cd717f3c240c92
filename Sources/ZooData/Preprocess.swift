import ZooModels
import ZooTensor

/// Turns grayscale digits into backbone input exactly as this TensorFlow pipeline does:
/// `tf.image.resize(x, (s, s))` (bilinear, half-pixel centres, no antialiasing) ->
/// `tf.image.grayscale_to_rgb` -> `keras.applications.<model>.preprocess_input`.
public struct Preprocessor: Sendable {
    public let size: Int
    public let mode: PreprocessingMode

    public init(inputHeight: Int, inputWidth: Int, size: Int, mode: PreprocessingMode) {
        self.size = size
        self.mode = mode
    }

    /// Digits `range` of `digits` as a model batch [n, size, size, 3].
    public func callAsFunction(_ digits: Digits, _ range: Range<Int>) -> Tensor {
        let resized = resizeBilinearForward(digits.tensor(range), height: size, width: size)
        var out = [Float](repeating: 0, count: resized.count * 3)
        for (p, v) in resized.data.enumerated() {
            for k in 0..<3 { out[3 * p + k] = mode.channel(k, of: (v, v, v)) }
        }
        return Tensor(shape: [range.count, size, size, 3], data: out)
    }
}

extension Digits {
    /// Digits `range` as raw float pixels [n, height, width, 1] (0-255), as Keras models take them.
    public func tensor(_ range: Range<Int>) -> Tensor {
        let pixels = height * width
        return Tensor(shape: [range.count, height, width, 1],
                      data: images[(range.lowerBound * pixels)..<(range.upperBound * pixels)].map(Float.init))
    }
}
