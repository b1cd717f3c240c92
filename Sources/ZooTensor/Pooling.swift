import CKernels

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
            // Output rows of all images in parallel (NASNet pools small batches of large maps).
            // `zoo_pool_pixel` visits the window's taps in row-major order from its first, adds
            // or keeps the first maximum (strict >, what the backward assumes) and multiplies by
            // 1 / count, as the scalar loop this replaced.
            parallelChunks(g.batch * oh, minChunk: max(1, 16_384 / max(ow * c * pool.0 * pool.1, 1))) { outputRows in
                var offsets = [Int](repeating: 0, count: max(1, pool.0 * pool.1))
                offsets.withUnsafeMutableBufferPointer { op in
                    let offs = op.baseAddress!
                    for outputRow in outputRows {
                        let (n, oy) = outputRow.quotientAndRemainder(dividingBy: oh)
                        let ys = g.rows.window(oy)
                        for ox in 0..<ow {
                            let xs = g.cols.window(ox)
                            var taps = 0
                            for iy in ys {
                                for ix in xs {
                                    offs[taps] = ((n * h + iy) * w + ix) * c
                                    taps += 1
                                }
                            }
                            zoo_pool_pixel(xb, offs, Int32(taps), Int32(c), average ? 1 : 0, ob + ((n * oh + oy) * ow + ox) * c)
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
    guard n * pixels * c > 0 else { return Tensor(shape: [n, c], data: out) }
    x.data.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            let (xb, ob) = (xp.baseAddress!, op.baseAddress!)
            // Images in parallel; within one, channels vectorised but each still summed over the
            // pixels in order, so the result is the same as one pixel at a time.
            parallelChunks(n, minChunk: max(1, (1 << 15) / max(1, pixels * c))) { images in
                var acc = [Double](repeating: 0, count: c)
                for b in images {
                    let src = xb + b * pixels * c, dst = ob + b * c
                    if average {
                        // Sum in double: a 7x7 or 112x112 map summed in float drifts from TensorFlow's result.
                        for ch in 0..<c { acc[ch] = 0 }
                        acc.withUnsafeMutableBufferPointer { zoo_sum_rows_double(src, pixels, Int32(c), $0.baseAddress!) }
                        for ch in 0..<c { dst[ch] = Float(acc[ch] / Double(pixels)) }
                    } else {
                        dst.update(repeating: -.infinity, count: c)
                        zoo_max_rows(src, pixels, Int32(c), dst)
                    }
                }
            }
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
