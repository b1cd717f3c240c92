import ZooModels
import ZooTensor

/// Turns grayscale digits into backbone input exactly as this TensorFlow pipeline does:
/// `tf.image.resize(x, (s, s))` (bilinear, half-pixel centres, no antialiasing) ->
/// `tf.image.grayscale_to_rgb` -> `keras.applications.<model>.preprocess_input`.
public struct Preprocessor: Sendable {
    public let size: Int
    public let mode: PreprocessingMode
    private let rows: [Lerp]
    private let cols: [Lerp]

    /// ImageNet channel means in BGR order, subtracted in caffe mode.
    public static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]

    public init(inputHeight: Int, inputWidth: Int, size: Int, mode: PreprocessingMode) {
        self.size = size
        self.mode = mode
        rows = lerpTable(input: inputHeight, output: size)
        cols = lerpTable(input: inputWidth, output: size)
    }

    /// Digits `range` of `digits` as a model batch [n, size, size, 3].
    public func callAsFunction(_ digits: Digits, _ range: Range<Int>) -> Tensor {
        let (h, w, s) = (digits.height, digits.width, size)
        var out = [Float](repeating: 0, count: range.count * s * s * 3)
        var plane = [Float](repeating: 0, count: s * s)
        let mean = Self.caffeMeanBGR
        digits.images.withUnsafeBufferPointer { img in
            for (b, i) in range.enumerated() {
                resizeBilinear(img.baseAddress! + i * h * w, width: w, into: &plane)
                // Gray to RGB makes R = G = B, so the BGR flip changes nothing; only the means differ.
                let base = b * s * s * 3
                for p in 0..<(s * s) {
                    let v = plane[p]
                    switch mode {
                    case .caffe:
                        out[base + 3 * p] = v - mean[0]
                        out[base + 3 * p + 1] = v - mean[1]
                        out[base + 3 * p + 2] = v - mean[2]
                    }
                }
            }
        }
        return Tensor(shape: [range.count, s, s, 3], data: out)
    }

    /// One channel, TensorFlow's ResizeBilinear kernel: interpolate along x on the two source
    /// rows, then along y, in float32.
    func resizeBilinear(_ src: UnsafePointer<UInt8>, width w: Int, into out: inout [Float]) {
        for (y, r) in rows.enumerated() {
            for (x, c) in cols.enumerated() {
                let tl = Float(src[r.lower * w + c.lower]), tr = Float(src[r.lower * w + c.upper])
                let bl = Float(src[r.upper * w + c.lower]), br = Float(src[r.upper * w + c.upper])
                let top = tl + (tr - tl) * c.lerp
                let bottom = bl + (br - bl) * c.lerp
                out[y * size + x] = top + (bottom - top) * r.lerp
            }
        }
    }
}

struct Lerp: Sendable {
    let lower: Int, upper: Int
    let lerp: Float
}

/// TensorFlow's `compute_interpolation_weights` with half-pixel centres:
/// in = (out + 0.5) * (in_size / out_size) - 0.5, clamped to the image.
func lerpTable(input: Int, output: Int) -> [Lerp] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { i in
        let x = (Float(i) + 0.5) * scale - 0.5
        let f = x.rounded(.down)
        return Lerp(lower: max(Int(f), 0), upper: min(Int(x.rounded(.up)), input - 1), lerp: x - f)
    }
}
