/// One output coordinate of a bilinear resize: the two source indices and the weight of the upper.
public struct Lerp: Sendable {
    public let lower: Int, upper: Int
    public let lerp: Float
}

/// TensorFlow's `compute_interpolation_weights` with half-pixel centres (what `tf.image.resize`
/// and Keras's `Resizing` use): in = (out + 0.5) * (in_size / out_size) - 0.5, clamped to the image.
public func lerpTable(input: Int, output: Int) -> [Lerp] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { i in
        let x = (Float(i) + 0.5) * scale - 0.5
        let f = x.rounded(.down)
        return Lerp(lower: max(Int(f), 0), upper: min(Int(x.rounded(.up)), input - 1), lerp: x - f)
    }
}

/// Bilinear resize forward, NHWC: [N,H,W,C] -> [N,OH,OW,C], exactly TensorFlow's ResizeBilinear
/// kernel (antialias off): interpolate along x on the two source rows, then along y, in float32.
public func resizeBilinearForward(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let rows = lerpTable(input: h, output: height), cols = lerpTable(input: w, output: width)
    var out = [Float](repeating: 0, count: n * height * width * c)
    x.data.withUnsafeBufferPointer { src in
        for b in 0..<n {
            let image = src.baseAddress! + b * h * w * c
            for (y, r) in rows.enumerated() {
                for (xo, q) in cols.enumerated() {
                    let dst = ((b * height + y) * width + xo) * c
                    for ch in 0..<c {
                        let tl = image[(r.lower * w + q.lower) * c + ch], tr = image[(r.lower * w + q.upper) * c + ch]
                        let bl = image[(r.upper * w + q.lower) * c + ch], br = image[(r.upper * w + q.upper) * c + ch]
                        let top = tl + (tr - tl) * q.lerp
                        let bottom = bl + (br - bl) * q.lerp
                        out[dst + ch] = top + (bottom - top) * r.lerp
                    }
                }
            }
        }
    }
    return Tensor(shape: [n, height, width, c], data: out)
}
