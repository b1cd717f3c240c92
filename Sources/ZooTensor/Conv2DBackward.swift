import Foundation

/// Conv2D backward. dy is the gradient at the convolution output (after any fused activation).
/// With `reluOutput` (the forward's output of a fused ReLU) dy is first zeroed where the output
/// is not positive, tile by tile, so no masked copy of dy is ever made.
/// dKernel = colsᵀ·dz, dBias = Σ dz, dx = col2im(dz·kernelᵀ); dx is skipped unless asked for
/// (the first layer of a network never needs it).
public func conv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, needInputGradient: Bool,
    reluOutput: Tensor? = nil
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    // x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O] -> dx [N,H,W,C]?, dKernel [KH,KW,C,O], dBias [O]
    conv2dBackward(x, kernel: kernel, dy: dy, strides: strides, padding: padding,
                   needInputGradient: needInputGradient, reluOutput: reluOutput, budget: im2colBudget)
}

/// Most partial sums a backward keeps (one per part of the batch).
let backwardParts = 8

/// The same with the im2col budget (in floats) as a parameter, so tests can force many tiles.
///
/// Small kernels (k·O <= 2^18, MNIST-sized networks) split the batch into up to `backwardParts`
/// parts of whole images, run in parallel on both cores with single-threaded GEMMs: each part
/// im2cols cache-sized tiles, adds colsᵀ·dz into its own dKernel and dBias partials and col2ims
/// its own images of dx (different images never share inputs). The partials are summed in part
/// order. The split depends only on the shapes, so results do not depend on core count or timing.
/// Large kernels run as one part, tile after tile, with OpenBLAS's threads.
func conv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, needInputGradient: Bool,
    reluOutput: Tensor? = nil, budget: Int
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    // x [N,H,W,C], kernel [KH,KW,C,O], dy [N,OH,OW,O] -> dx [N,H,W,C]?, dKernel [KH,KW,C,O], dBias [O]
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    precondition(cin == g.channels, "conv2d backward: kernel expects \(cin) channels, input has \(g.channels)")
    precondition(dy.shape == [g.batch, g.rows.output, g.cols.output, cout],
                 "conv2d backward: dy is \(dy.shape), the convolution outputs \([g.batch, g.rows.output, g.cols.output, cout])")
    if let y = reluOutput { precondition(y.shape == dy.shape, "conv2d backward: ReLU output \(y.shape) != dy \(dy.shape)") }
    let m = g.outputPixels, k = kh * kw * cin
    let perImage = g.rows.output * g.cols.output
    guard m > 0, k > 0, cout > 0 else {
        return (needInputGradient ? Tensor(zeros: x.shape) : nil, Tensor(zeros: kernel.shape), [Float](repeating: 0, count: cout))
    }
    // A 1x1 stride-1 convolution's im2col is x itself: [N*H*W, C] in NHWC.
    let direct = kh == 1 && kw == 1 && strides == (1, 1)
    let small = k * cout <= 1 << 18
    let parts = small ? min(g.batch, backwardParts) : 1
    // Tiles: ~1 MiB of columns and masked dy per tile when parallel (it stays in L2 from im2col
    // to the GEMMs), the whole budget otherwise. Never more than the budget.
    let cap = max(1, budget / k)
    let tileCap = parts > 1 ? min(cap, max(16, (1 << 18) / (k + cout))) : cap
    let relu = reluOutput?.data ?? []
    var dk = [Float](repeating: 0, count: k * cout)
    var db = [Float](repeating: 0, count: cout)
    // Partial sums of parts 1...: part 0 adds straight into dk.
    var partialK = [Float](repeating: 0, count: (parts - 1) * k * cout)
    var partialB = [Double](repeating: 0, count: parts * cout)
    let dxCount = needInputGradient ? x.count : 0
    let dx = [Float](unsafeUninitializedCapacity: dxCount) { dxp, initialized in
        x.data.withUnsafeBufferPointer { xp in
            kernel.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { gp in
                    relu.withUnsafeBufferPointer { yp in
                        dk.withUnsafeMutableBufferPointer { dkp in
                            partialK.withUnsafeMutableBufferPointer { pkp in
                                partialB.withUnsafeMutableBufferPointer { pbp in
                                    let (xb, wb, gb) = (xp.baseAddress!, wp.baseAddress!, gp.baseAddress!)
                                    let yb = reluOutput == nil ? nil : yp.baseAddress
                                    let dxb = dxCount > 0 ? dxp.baseAddress : nil
                                    let image = g.rows.input * g.cols.input * cin
                                    func part(_ p: Int) {
                                        let images = (g.batch * p / parts)..<(g.batch * (p + 1) / parts)
                                        let dKp = p == 0 ? dkp.baseAddress! : pkp.baseAddress! + (p - 1) * k * cout
                                        let dBp = pbp.baseAddress! + p * cout
                                        let first = images.lowerBound * perImage, end = images.upperBound * perImage
                                        guard end > first else { return }
                                        let tiles = (end - first + tileCap - 1) / tileCap
                                        let tileRows = (end - first + tiles - 1) / tiles
                                        let columns = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: tileRows * k)
                                        let masked = yb == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cout)
                                        defer { columns?.deallocate(); masked?.deallocate() }
                                        // dx is zeroed an image at a time just before col2im first adds to it,
                                        // so the zeros are still in cache.
                                        var zeroed = images.lowerBound
                                        var m0 = first
                                        while m0 < end {
                                            let rows = min(tileRows, end - m0)
                                            // dz: dy, or dy where the ReLU output is positive; dBias sums it in
                                            // double (over a batch of 112x112 maps a float sum drifts).
                                            var dz = UnsafePointer(gb + m0 * cout)
                                            if let masked, let yb {
                                                maskAndSum(gb + m0 * cout, relu: yb + m0 * cout, rows: rows, cout: cout,
                                                           into: masked, sums: dBp)
                                                dz = UnsafePointer(masked)
                                            } else {
                                                for r in 0..<rows {
                                                    let row = dz + r * cout
                                                    for o in 0..<cout { dBp[o] += Double(row[o]) }
                                                }
                                            }
                                            let cols: UnsafePointer<Float>
                                            if let columns {
                                                im2col(xb, g, kh: kh, kw: kw, rows: m0..<(m0 + rows), into: columns)
                                                cols = UnsafePointer(columns)
                                            } else {
                                                cols = xb + m0 * cin
                                            }
                                            // dKernel [k,O] += colsᵀ [k,rows] · dz [rows,O]; beta 1 sums the tiles.
                                            sgemm(transA: true, m: k, n: cout, k: rows, a: cols, lda: k, b: dz, ldb: cout,
                                                  beta: 1, c: dKp, ldc: cout)
                                            if let dxb {
                                                // dcols [rows,k] = dz [rows,O] · kernelᵀ [O,k], in the columns buffer
                                                // (its im2col is used up). Direct: dcols is dx.
                                                let dcols = columns ?? dxb + m0 * cin
                                                sgemm(transB: true, m: rows, n: k, k: cout, a: dz, lda: cout,
                                                      b: wb, ldb: cout, beta: 0, c: dcols, ldc: k)
                                                if columns != nil {
                                                    let last = (m0 + rows - 1) / perImage
                                                    if zeroed <= last {
                                                        (dxb + zeroed * image).initialize(repeating: 0, count: (last + 1 - zeroed) * image)
                                                        zeroed = last + 1
                                                    }
                                                    col2im(UnsafePointer(dcols), g, kh: kh, kw: kw, rows: m0..<(m0 + rows), into: dxb)
                                                }
                                            }
                                            m0 += rows
                                        }
                                    }
                                    if parts > 1 && Parallelism.available > 1 && m * k * cout >= 1 << 20 {
                                        parallelTasks(parts, part)
                                    } else {
                                        for p in 0..<parts { part(p) }
                                    }
                                    // Fixed order: part 0 (already in dk), then 1, 2, ...
                                    let dkb = dkp.baseAddress!
                                    for p in 1..<max(parts, 1) {
                                        let src = pkp.baseAddress! + (p - 1) * k * cout
                                        for i in 0..<(k * cout) { dkb[i] += src[i] }
                                    }
                                    for o in 0..<cout {
                                        var sum = 0.0
                                        for p in 0..<parts { sum += pbp[p * cout + o] }
                                        db[o] = Float(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        initialized = dxCount
    }
    return (needInputGradient ? Tensor(shape: x.shape, data: dx) : nil, Tensor(shape: kernel.shape, data: dk), db)
}

/// masked = dy where the ReLU output is positive, else 0 ([rows, O]), with each row added to
/// `sums` in double. Out of line, so the loop vectorises on its own.
@inline(never)
private func maskAndSum(
    _ dy: UnsafePointer<Float>, relu y: UnsafePointer<Float>, rows: Int, cout: Int,
    into masked: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Double>
) {
    for r in 0..<rows {
        let (g, yr, out) = (dy + r * cout, y + r * cout, masked + r * cout)
        for o in 0..<cout {
            let (yi, gi) = (yr[o], g[o])
            let v = yi <= 0 ? 0 : gi
            out[o] = v
            sums[o] += Double(v)
        }
    }
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
