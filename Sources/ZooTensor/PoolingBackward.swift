import Foundation

/// MaxPooling2D backward: each output gradient goes to the input that won its window.
/// Ties: the first maximum in row-major window order wins, as in TensorFlow's CPU MaxPoolGrad
/// (it recomputes the argmax scanning inputs row by row and replaces only on a strict `<`), and as
/// `maxPool2dForward` picks its value. Same-padding taps are never scanned, so they never win.
public func maxPool2dBackward(
    _ x: Tensor, dy: Tensor, pool: (Int, Int), strides: (Int, Int), padding: Padding
) -> Tensor {
    // x [N,H,W,C], dy [N,OH,OW,C] -> dx [N,H,W,C]
    let g = WindowGeometry(input: x.shape, kernel: pool, strides: strides, padding: padding)
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    precondition(dy.shape == [g.batch, oh, ow, c], "max pool backward: dy is \(dy.shape), expected \([g.batch, oh, ow, c])")
    var dx = [Float](repeating: 0, count: x.count)
    // Per window: the best value and its flat input index, one per channel.
    var best = [Float](repeating: 0, count: c)
    var arg = [Int](repeating: 0, count: c)
    x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { dxp in
                best.withUnsafeMutableBufferPointer { bp in
                    arg.withUnsafeMutableBufferPointer { ap in
                        for n in 0..<g.batch {
                            for oy in 0..<oh {
                                let y0 = max(0, oy * strides.0 - g.rows.padBefore)
                                let y1 = min(h, oy * strides.0 - g.rows.padBefore + pool.0)
                                for ox in 0..<ow {
                                    let x0 = max(0, ox * strides.1 - g.cols.padBefore)
                                    let x1 = min(w, ox * strides.1 - g.cols.padBefore + pool.1)
                                    let first = ((n * h + y0) * w + x0) * c
                                    for ch in 0..<c { bp[ch] = xp[first + ch]; ap[ch] = first + ch }
                                    for iy in y0..<y1 {
                                        for ix in x0..<x1 where iy != y0 || ix != x0 {
                                            let base = ((n * h + iy) * w + ix) * c
                                            for ch in 0..<c where xp[base + ch] > bp[ch] {
                                                bp[ch] = xp[base + ch]
                                                ap[ch] = base + ch
                                            }
                                        }
                                    }
                                    // += because overlapping windows (stride < pool) can share a winner.
                                    let src = ((n * oh + oy) * ow + ox) * c
                                    for ch in 0..<c { dxp[ap[ch]] += gp[src + ch] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: x.shape, data: dx)
}

/// AveragePooling2D backward: each output gradient is spread evenly over the real inputs of its
/// window (same padding divides by the real count, as the forward does).
public func avgPool2dBackward(
    _ dy: Tensor, inputShape: [Int], pool: (Int, Int), strides: (Int, Int), padding: Padding
) -> Tensor {
    // dy [N,OH,OW,C] -> dx [N,H,W,C] = inputShape
    let g = WindowGeometry(input: inputShape, kernel: pool, strides: strides, padding: padding)
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    precondition(dy.shape == [g.batch, oh, ow, c], "avg pool backward: dy is \(dy.shape), expected \([g.batch, oh, ow, c])")
    var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
    dy.data.withUnsafeBufferPointer { gp in
        dx.withUnsafeMutableBufferPointer { dxp in
            for n in 0..<g.batch {
                for oy in 0..<oh {
                    let y0 = max(0, oy * strides.0 - g.rows.padBefore)
                    let y1 = min(h, oy * strides.0 - g.rows.padBefore + pool.0)
                    for ox in 0..<ow {
                        let x0 = max(0, ox * strides.1 - g.cols.padBefore)
                        let x1 = min(w, ox * strides.1 - g.cols.padBefore + pool.1)
                        // The same float reciprocal the forward multiplies by.
                        let inv = 1 / Float((y1 - y0) * (x1 - x0))
                        let src = gp.baseAddress! + ((n * oh + oy) * ow + ox) * c
                        for iy in y0..<y1 {
                            for ix in x0..<x1 {
                                let dst = dxp.baseAddress! + ((n * h + iy) * w + ix) * c
                                for ch in 0..<c { dst[ch] += src[ch] * inv }
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: inputShape, data: dx)
}

/// GlobalAveragePooling2D backward: every pixel gets dy / (H*W).
public func globalAvgPool2dBackward(_ dy: Tensor, inputShape: [Int]) -> Tensor {
    // dy [N,C] -> dx [N,H,W,C] = inputShape
    let (n, pixels, c) = (inputShape[0], inputShape[1] * inputShape[2], inputShape[3])
    precondition(dy.shape == [n, c], "global avg pool backward: dy is \(dy.shape), expected \([n, c])")
    var dx = [Float](repeating: 0, count: n * pixels * c)
    let inv = 1 / Float(pixels)
    for b in 0..<n {
        for p in 0..<pixels {
            for ch in 0..<c { dx[(b * pixels + p) * c + ch] = dy.data[b * c + ch] * inv }
        }
    }
    return Tensor(shape: inputShape, data: dx)
}

/// GlobalMaxPooling2D backward. Keras implements this layer as a reduce-max, not a max-pool op, and
/// TensorFlow's reduce-max gradient splits dy evenly among all tied maxima (unlike MaxPoolGrad's
/// first-wins), so that is what this does.
public func globalMaxPool2dBackward(_ x: Tensor, dy: Tensor) -> Tensor {
    // x [N,H,W,C], dy [N,C] -> dx [N,H,W,C]
    let (n, pixels, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    precondition(dy.shape == [n, c], "global max pool backward: dy is \(dy.shape), expected \([n, c])")
    let y = globalMaxPool2dForward(x)
    var ties = [Int](repeating: 0, count: n * c)
    for b in 0..<n {
        for p in 0..<pixels {
            for ch in 0..<c where x.data[(b * pixels + p) * c + ch] == y.data[b * c + ch] { ties[b * c + ch] += 1 }
        }
    }
    var dx = [Float](repeating: 0, count: x.count)
    for b in 0..<n {
        for p in 0..<pixels {
            for ch in 0..<c where x.data[(b * pixels + p) * c + ch] == y.data[b * c + ch] {
                dx[(b * pixels + p) * c + ch] = dy.data[b * c + ch] / Float(ties[b * c + ch])
            }
        }
    }
    return Tensor(shape: x.shape, data: dx)
}

/// ZeroPadding2D backward: the gradient of the padding is dropped, the rest is cropped out.
public func zeroPad2dBackward(_ dy: Tensor, top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
    // dy [N,H+top+bottom,W+left+right,C] -> dx [N,H,W,C]
    let (n, ph, pw, c) = (dy.shape[0], dy.shape[1], dy.shape[2], dy.shape[3])
    let (h, w) = (ph - top - bottom, pw - left - right)
    precondition(h >= 0 && w >= 0, "zero pad backward: \(dy.shape) is smaller than its padding")
    var dx = [Float](repeating: 0, count: n * h * w * c)
    guard !dx.isEmpty else { return Tensor(shape: [n, h, w, c], data: dx) }
    dy.data.withUnsafeBufferPointer { gp in
        dx.withUnsafeMutableBufferPointer { dxp in
            for b in 0..<n {
                for y in 0..<h {
                    let src = gp.baseAddress! + ((b * ph + y + top) * pw + left) * c
                    (dxp.baseAddress! + (b * h + y) * w * c).update(from: src, count: w * c)
                }
            }
        }
    }
    return Tensor(shape: [n, h, w, c], data: dx)
}
