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
    guard x.count > 0, dy.count > 0 else { return Tensor(zeros: x.shape) }
    let overlapping = strides.0 < pool.0 || strides.1 < pool.1
    let covered = tilesInput(g.rows) && tilesInput(g.cols)
    let dx = [Float](unsafeUninitializedCapacity: x.count) { dxp, initialized in
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { gp in
                let (xb, gb, db) = (xp.baseAddress!, gp.baseAddress!, dxp.baseAddress!)
                let image = h * w * c
                parallelChunks(g.batch, minChunk: max(1, 16_384 / image)) { images in
                    if !covered { (db + images.lowerBound * image).initialize(repeating: 0, count: images.count * image) }
                    // Offsets of the current window's inputs, in row-major window order.
                    let taps = UnsafeMutablePointer<Int>.allocate(capacity: pool.0 * pool.1)
                    defer { taps.deallocate() }
                    for n in images {
                        for oy in 0..<oh {
                            let ys = g.rows.window(oy)
                            for ox in 0..<ow {
                                let xs = g.cols.window(ox)
                                var count = 0
                                for iy in ys {
                                    for ix in xs {
                                        taps[count] = ((n * h + iy) * w + ix) * c
                                        count += 1
                                    }
                                }
                                maxPoolWindowBackward(taps: taps, count: count, x: xb, dx: db,
                                                      dy: gb + ((n * oh + oy) * ow + ox) * c, channels: c,
                                                      accumulate: overlapping)
                            }
                        }
                    }
                }
            }
        }
        initialized = x.count
    }
    return Tensor(shape: x.shape, data: dx)
}

/// One window of max-pool backward, all channels: dy goes to the first maximum among the inputs at
/// `taps` (offsets into x and dx, row-major window order); the other inputs get 0. With `accumulate`
/// (overlapping windows) the values are added to dx, else they are stored. Eight channels at a
/// time in registers; kept out of line so the optimiser sees small loops and emits SIMD
/// compares and blends, not per-lane branches.
@inline(never)
private func maxPoolWindowBackward(
    taps: UnsafePointer<Int>, count: Int, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    dy: UnsafePointer<Float>, channels c: Int, accumulate: Bool
) {
    var ch = 0
    while ch + 8 <= c {
        // Positions as floats (exact), so value compares and position blends share a mask type.
        var best = load8(x + taps[0] + ch), arg = SIMD8<Float>()
        for k in 1..<count {
            let v = load8(x + taps[k] + ch)
            let greater = v .> best
            best = best.replacing(with: v, where: greater)
            arg = arg.replacing(with: SIMD8<Float>(repeating: Float(k)), where: greater)
        }
        let gradient = load8(dy + ch)
        for k in 0..<count {
            let d = dx + taps[k] + ch
            let mine = SIMD8<Float>().replacing(with: gradient, where: arg .== SIMD8<Float>(repeating: Float(k)))
            store8(accumulate ? load8(d) + mine : mine, d)
        }
        ch += 8
    }
    while ch < c {
        var best = x[taps[0] + ch], arg = 0
        for k in 1..<count where x[taps[k] + ch] > best { (best, arg) = (x[taps[k] + ch], k) }
        for k in 0..<count {
            let mine: Float = k == arg ? dy[ch] : 0
            dx[taps[k] + ch] = accumulate ? dx[taps[k] + ch] + mine : mine
        }
        ch += 1
    }
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Whether the pooling windows along an axis cover every input exactly once (stride = pool and no
/// input left over at the end), so a backward that writes each window's inputs needs no zeroing.
private func tilesInput(_ a: AxisGeometry) -> Bool {
    a.stride == a.kernel && a.window(a.output - 1).upperBound == a.input
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
    let count = inputShape.reduce(1, *)
    guard count > 0, dy.count > 0 else { return Tensor(zeros: inputShape) }
    let dx = [Float](unsafeUninitializedCapacity: count) { dxp, initialized in
        dy.data.withUnsafeBufferPointer { gp in
            let (gb, db) = (gp.baseAddress!, dxp.baseAddress!)
            let image = h * w * c
            parallelChunks(g.batch, minChunk: max(1, 16_384 / image)) { images in
                (db + images.lowerBound * image).initialize(repeating: 0, count: images.count * image)
                for n in images {
                    for oy in 0..<oh {
                        let ys = g.rows.window(oy)
                        for ox in 0..<ow {
                            let xs = g.cols.window(ox)
                            // The same float reciprocal the forward multiplies by.
                            let inv = 1 / Float(ys.count * xs.count)
                            let src = gb + ((n * oh + oy) * ow + ox) * c
                            for iy in ys {
                                for ix in xs {
                                    let dst = db + ((n * h + iy) * w + ix) * c
                                    for ch in 0..<c { dst[ch] += src[ch] * inv }
                                }
                            }
                        }
                    }
                }
            }
        }
        initialized = count
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
