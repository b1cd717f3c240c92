import Foundation

/// Conv2D backward. dy is the gradient at the convolution output before bias (and before any
/// fused activation: apply `reluBackward` first).
/// dKernel = colsᵀ·dy, dBias = Σ dy, dx = col2im(dy·kernelᵀ); dx is skipped unless asked for
/// (the first layer of a network never needs it).
public func conv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, needInputGradient: Bool
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    // x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O] -> dx [N,H,W,C]?, dKernel [KH,KW,C,O], dBias [O]
    conv2dBackward(x, kernel: kernel, dy: dy, strides: strides, padding: padding,
                   needInputGradient: needInputGradient, budget: im2colBudget)
}

/// The same with the im2col budget (in floats) as a parameter, so tests can force many tiles.
func conv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, needInputGradient: Bool,
    budget: Int
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    // x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O] -> dx [N,H,W,C]?, dKernel [KH,KW,C,O], dBias [O]
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    precondition(cin == g.channels, "conv2d backward: kernel expects \(cin) channels, input has \(g.channels)")
    precondition(dy.shape == [g.batch, g.rows.output, g.cols.output, cout],
                 "conv2d backward: dy is \(dy.shape), the convolution outputs \([g.batch, g.rows.output, g.cols.output, cout])")
    let m = g.outputPixels, k = kh * kw * cin
    var dk = [Float](repeating: 0, count: k * cout)
    var dx = [Float](repeating: 0, count: needInputGradient ? x.count : 0)
    var db = [Float](repeating: 0, count: cout)
    guard m > 0, k > 0, cout > 0 else {
        return (needInputGradient ? Tensor(shape: x.shape, data: dx) : nil, Tensor(shape: kernel.shape, data: dk), db)
    }
    // A 1x1 stride-1 convolution's im2col is x itself: [N*H*W, C] in NHWC.
    let direct = kh == 1 && kw == 1 && strides == (1, 1)
    let tileRows = direct ? m : max(1, min(m, budget / k))
    // One buffer per tile serves both directions: first the im2col of x (for dKernel), then
    // dy·kernelᵀ (for col2im). So memory stays at one budget, as in the forward.
    var columns = direct ? [] : [Float](repeating: 0, count: tileRows * k)
    x.data.withUnsafeBufferPointer { xp in
        kernel.data.withUnsafeBufferPointer { wp in
            dy.data.withUnsafeBufferPointer { gp in
                dk.withUnsafeMutableBufferPointer { dkp in
                    dx.withUnsafeMutableBufferPointer { dxp in
                        columns.withUnsafeMutableBufferPointer { cp in
                            var m0 = 0
                            while m0 < m {
                                let rows = min(tileRows, m - m0)
                                let dyTile = gp.baseAddress! + m0 * cout
                                let cols: UnsafePointer<Float>
                                if direct {
                                    cols = xp.baseAddress! + m0 * cin
                                } else {
                                    im2col(xp.baseAddress!, g, kh: kh, kw: kw, rows: m0..<(m0 + rows), into: cp.baseAddress!)
                                    cols = UnsafePointer(cp.baseAddress!)
                                }
                                // dKernel [k,O] += colsᵀ [k,rows] · dy [rows,O]; beta 1 sums the tiles.
                                sgemm(transA: true, m: k, n: cout, k: rows, a: cols, lda: k, b: dyTile, ldb: cout,
                                      beta: 1, c: dkp.baseAddress!, ldc: cout)
                                if needInputGradient {
                                    // dcols [rows,k] = dy [rows,O] · kernelᵀ [O,k]. Direct: dcols is dx.
                                    let dcols = direct ? dxp.baseAddress! + m0 * cin : cp.baseAddress!
                                    sgemm(transB: true, m: rows, n: k, k: cout, a: dyTile, lda: cout,
                                          b: wp.baseAddress!, ldb: cout, beta: 0, c: dcols, ldc: k)
                                    if !direct {
                                        col2im(UnsafePointer(dcols), g, kh: kh, kw: kw, rows: m0..<(m0 + rows),
                                               into: dxp.baseAddress!)
                                    }
                                }
                                m0 += rows
                            }
                        }
                    }
                }
                // Sum in double: over a batch of 112x112 maps a float sum drifts.
                var acc = [Double](repeating: 0, count: cout)
                for r in 0..<m {
                    let row = gp.baseAddress! + r * cout
                    for o in 0..<cout { acc[o] += Double(row[o]) }
                }
                for o in 0..<cout { db[o] = Float(acc[o]) }
            }
        }
    }
    return (needInputGradient ? Tensor(shape: x.shape, data: dx) : nil, Tensor(shape: kernel.shape, data: dk), db)
}

/// The adjoint of `im2col`: adds each row of `col` ([rows, KH*KW*C], one output pixel each) back
/// onto the input positions `im2col` copied it from, dropping the taps that fell on padding.
/// It adds rather than copies because overlapping windows (stride < kernel) share inputs.
func col2im(
    _ col: UnsafePointer<Float>, _ g: WindowGeometry, kh: Int, kw: Int, rows: Range<Int>,
    into x: UnsafeMutablePointer<Float>
) {
    // col [rows, KH*KW*C] -> x [N,H,W,C] (accumulated)
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let k = kh * kw * c
    for (r, pixel) in rows.enumerated() {
        let n = pixel / (oh * ow), rem = pixel % (oh * ow)
        let (oy, ox) = (rem / ow, rem % ow)
        let iy0 = oy * g.rows.stride - g.rows.padBefore
        let ix0 = ox * g.cols.stride - g.cols.padBefore
        let j0 = max(0, -ix0), j1 = min(kw, w - ix0)
        guard j1 > j0 else { continue }
        // As in im2col, the real taps of one kernel row are contiguous in both buffers.
        let count = (j1 - j0) * c
        for i in 0..<kh {
            let iy = iy0 + i
            guard iy >= 0, iy < h else { continue }
            let src = col + r * k + (i * kw + j0) * c
            let dst = x + ((n * h + iy) * w + ix0 + j0) * c
            for t in 0..<count { dst[t] += src[t] }
        }
    }
}

/// The textbook loops for the Conv2D gradients, accumulated in double: the oracle the GEMM path
/// is tested against.
public func conv2dBackwardNaive(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding
) -> (dx: Tensor, dKernel: Tensor, dBias: [Float]) {
    // x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O] -> dx [N,H,W,C], dKernel [KH,KW,C,O], dBias [O]
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    let (h, w, oh, ow) = (g.rows.input, g.cols.input, g.rows.output, g.cols.output)
    var dx = [Double](repeating: 0, count: x.count)
    var dk = [Double](repeating: 0, count: kernel.count)
    var db = [Double](repeating: 0, count: cout)
    for n in 0..<g.batch {
        for oy in 0..<oh {
            for ox in 0..<ow {
                let dyBase = ((n * oh + oy) * ow + ox) * cout
                for o in 0..<cout { db[o] += Double(dy.data[dyBase + o]) }
                for i in 0..<kh {
                    for j in 0..<kw {
                        let iy = oy * strides.0 - g.rows.padBefore + i
                        let ix = ox * strides.1 - g.cols.padBefore + j
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        for c in 0..<cin {
                            let xi = ((n * h + iy) * w + ix) * cin + c
                            let ki = ((i * kw + j) * cin + c) * cout
                            for o in 0..<cout {
                                let d = Double(dy.data[dyBase + o])
                                dx[xi] += d * Double(kernel.data[ki + o])
                                dk[ki + o] += d * Double(x.data[xi])
                            }
                        }
                    }
                }
            }
        }
    }
    return (Tensor(shape: x.shape, data: dx.map(Float.init)), Tensor(shape: kernel.shape, data: dk.map(Float.init)),
            db.map(Float.init))
}
