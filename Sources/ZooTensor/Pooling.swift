/// MaxPooling2D forward: [N,H,W,C] -> [N,OH,OW,C]. Padding taps never win (TensorFlow pads
/// max pooling with -infinity).
public func maxPool2dForward(_ x: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding) -> Tensor {
    windowReduce(x, pool: pool, strides: strides, padding: padding, average: false)
}

/// AveragePooling2D forward: [N,H,W,C] -> [N,OH,OW,C]. With `same` padding TensorFlow divides by
/// the number of real (non-padding) inputs under the window.
public func avgPool2dForward(_ x: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding) -> Tensor {
    windowReduce(x, pool: pool, strides: strides, padding: padding, average: true)
}

private func windowReduce(
    _ x: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding, average: Bool
) -> Tensor {
    let g = WindowGeometry(input: x.shape, kernel: pool, strides: strides, padding: padding)
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let count = g.batch * oh * ow * c
    guard count > 0 else { return Tensor(shape: [g.batch, oh, ow, c], data: []) }
    let out = [Float](unsafeUninitializedCapacity: count) { op, initialized in
        x.data.withUnsafeBufferPointer { xp in
            let (xb, ob) = (xp.baseAddress!, op.baseAddress!)
            parallelChunks(g.batch, minChunk: max(1, 16_384 / max(h * w * c, 1))) { images in
                for n in images {
                    for oy in 0..<oh {
                        let ys = g.rows.window(oy)
                        for ox in 0..<ow {
                            let xs = g.cols.window(ox)
                            let dst = ob + ((n * oh + oy) * ow + ox) * c
                            dst.initialize(from: xb + ((n * h + ys.lowerBound) * w + xs.lowerBound) * c, count: c)
                            for iy in ys {
                                for ix in xs where iy != ys.lowerBound || ix != xs.lowerBound {
                                    let src = xb + ((n * h + iy) * w + ix) * c
                                    if average {
                                        for ch in 0..<c { dst[ch] += src[ch] }
                                    } else {
                                        // Strict >: the first maximum stays (what the backward assumes).
                                        for ch in 0..<c { let v = src[ch]; dst[ch] = v > dst[ch] ? v : dst[ch] }
                                    }
                                }
                            }
                            if average {
                                let inv = 1 / Float(ys.count * xs.count)
                                for ch in 0..<c { dst[ch] *= inv }
                            }
                        }
                    }
                }
            }
        }
        initialized = count
    }
    return Tensor(shape: [g.batch, oh, ow, c], data: out)
}

/// GlobalAveragePooling2D forward: [N,H,W,C] -> [N,C].
public func globalAvgPool2dForward(_ x: Tensor) -> Tensor {
    globalReduce(x, average: true)
}

/// GlobalMaxPooling2D forward: [N,H,W,C] -> [N,C].
public func globalMaxPool2dForward(_ x: Tensor) -> Tensor {
    globalReduce(x, average: false)
}

private func globalReduce(_ x: Tensor, average: Bool) -> Tensor {
    let (n, pixels, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    var out = [Float](repeating: 0, count: n * c)
    x.data.withUnsafeBufferPointer { xp in
        for b in 0..<n {
            // Sum in double: a 7x7 or 112x112 map summed in float drifts from TensorFlow's result.
            var acc = [Double](repeating: 0, count: c)
            var best = [Float](repeating: -.infinity, count: c)
            for p in 0..<pixels {
                let src = xp.baseAddress! + (b * pixels + p) * c
                if average {
                    for ch in 0..<c { acc[ch] += Double(src[ch]) }
                } else {
                    for ch in 0..<c where src[ch] > best[ch] { best[ch] = src[ch] }
                }
            }
            for ch in 0..<c { out[b * c + ch] = average ? Float(acc[ch] / Double(pixels)) : best[ch] }
        }
    }
    return Tensor(shape: [n, c], data: out)
}

/// ZeroPadding2D forward: [N,H,W,C] -> [N,H+top+bottom,W+left+right,C]. Each output row is
/// written once (zeros only where the border is), images in parallel.
public func zeroPad2dForward(_ x: Tensor, top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (ph, pw) = (h + top + bottom, w + left + right)
    var out = uninitializedFloats(n * ph * pw * c)
    x.data.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            let (xb, ob) = (xp.baseAddress!, op.baseAddress!)
            parallelChunks(n, minChunk: max(1, 16_384 / max(ph * pw * c, 1))) { images in
                for b in images {
                    let image = ob + b * ph * pw * c
                    image.update(repeating: 0, count: top * pw * c)
                    for y in 0..<h {
                        let row = image + (y + top) * pw * c
                        row.update(repeating: 0, count: left * c)
                        (row + left * c).update(from: xb + (b * h + y) * w * c, count: w * c)
                        (row + (left + w) * c).update(repeating: 0, count: right * c)
                    }
                    (image + (top + h) * pw * c).update(repeating: 0, count: bottom * pw * c)
                }
            }
        }
    }
    return Tensor(shape: [n, ph, pw, c], data: out)
}
