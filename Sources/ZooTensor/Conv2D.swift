import CKernels
import Foundation

/// Largest im2col buffer one convolution call holds, in floats (32 MiB). Larger problems are
/// tiled over output pixels so memory stays bounded at any input size.
let im2colBudget = 8 << 20

/// Conv2D forward: x [N,H,W,C] * kernel [KH,KW,C,O] (+ bias [O]) (+ residual [N,OH,OW,O]) ->
/// [N,OH,OW,O], then ReLU if asked, through a plan made for this one call by `policy`. Layers
/// keep their `Conv2DPlan` instead, so that the weights it prepares (packs, transforms) are made
/// once per weight version rather than on every call.
public func conv2dForward(
    _ x: Tensor, kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
    relu: Bool = false, residual: Tensor? = nil, policy: ConvPolicy = .default
) -> Tensor {
    precondition(x.shape.count == 4, "conv2d: input \(x.shape) is not NHWC")
    let plan = policy.plan(input: Array(x.shape.dropFirst()), kernel: kernel.shape, strides: strides, padding: padding)
    return plan(x, kernel: kernel, kernelVersion: 0, bias: bias, relu: relu, residual: residual)
}

/// The GEMM paths, `gemm1x1` and `im2col`. im2col rows are output pixels, columns (kh, kw, c):
/// the HWIO kernel is then already the [KH*KW*C, O] right-hand matrix (`packed` by `packMatrix`
/// for the packed GEMM, else nil), and the GEMM result is already NHWC. 1x1 stride 1 is one GEMM
/// on the input itself, with the epilogue (bias, `residual`, ReLU) in cache. `tiled`: parallel
/// cache-sized tiles, each doing im2col, a GEMM and the epilogue while hot; otherwise im2col in
/// tiles of at most `im2colBudget` floats, each spread over the cores.
func conv2dForwardGemm(
    _ x: Tensor, kernel: Tensor, packed: [Float]?, bias: [Float]?, g: WindowGeometry, relu: Bool, residual: Tensor?,
    tiled: Bool, out: UnsafeMutablePointer<Float>
) {
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let m = g.outputPixels, k = kh * kw * cin
    let oneByOne = kh == 1 && kw == 1 && g.rows.stride == 1 && g.cols.stride == 1
    precondition(residual == nil || oneByOne, "conv2d: only the 1x1 GEMM adds a residual in its epilogue")
    x.data.withUnsafeBufferPointer { xp in
        kernel.data.withUnsafeBufferPointer { wp in
            withOptionalPointer(packed) { pk in
                let (xb, wb) = (xp.baseAddress!, wp.baseAddress!)
                if oneByOne {
                    withOptionalPointer(residual?.data) { rp in
                        gemmTile(xb, wb, out, rows: m, k: k, cout: cout, bias: bias, relu: relu, residual: rp, packed: pk)
                    }
                } else if tiled {
                    // ~1 MiB of columns per tile: it stays in L2 between im2col and the GEMM.
                    let tileRows = max(64, min(1024, (1 << 18) / k))
                    let tiles = (m + tileRows - 1) / tileRows
                    parallelChunks(tiles) { range in
                        var columns = uninitializedFloats(tileRows * k)
                        columns.withUnsafeMutableBufferPointer { cp in
                            for t in range {
                                let rows = (t * tileRows)..<min((t + 1) * tileRows, m)
                                im2col(xb, g, kh: kh, kw: kw, rows: rows, into: cp.baseAddress!)
                                gemmTile(cp.baseAddress!, wb, out + rows.lowerBound * cout, rows: rows.count, k: k,
                                         cout: cout, bias: bias, relu: relu, packed: pk)
                            }
                        }
                    }
                } else {
                    let tileRows = max(1, min(m, im2colBudget / max(k, 1)))
                    var columns = uninitializedFloats(tileRows * k)
                    columns.withUnsafeMutableBufferPointer { cp in
                        for m0 in stride(from: 0, to: m, by: tileRows) {
                            let rows = m0..<min(m0 + tileRows, m)
                            parallelChunks(rows.count, minChunk: 64) { part in
                                im2col(xb, g, kh: kh, kw: kw, rows: (m0 + part.lowerBound)..<(m0 + part.upperBound),
                                       into: cp.baseAddress! + part.lowerBound * k)
                            }
                            gemmTile(cp.baseAddress!, wb, out + m0 * cout, rows: rows.count, k: k, cout: cout,
                                     bias: bias, relu: relu, packed: pk)
                        }
                    }
                }
            }
        }
    }
}

/// The RGB first layers (VGG16's block1_conv1, ResNet50's 7x7 conv1): with 3 input channels an
/// im2col row is 27 or 147 floats, too short for a GEMM to run well, so each output pixel is
/// accumulated directly over its taps, 64 output channels at a time (CKernels).
func conv2dForwardDirect(
    _ x: Tensor, kernel: Tensor, bias: [Float]?, g: WindowGeometry, relu: Bool, out: UnsafeMutablePointer<Float>
) {
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let (h, w, oh, ow) = (g.rows.input, g.cols.input, g.rows.output, g.cols.output)
    let bias = bias ?? [Float](repeating: 0, count: cout)
    x.data.withUnsafeBufferPointer { xp in
        kernel.data.withUnsafeBufferPointer { kp in
            bias.withUnsafeBufferPointer { bp in
                // Rows of all images as one list, so small batches of large images still split.
                parallelChunks(g.batch * oh, minChunk: 4) { rows in
                    var r = rows.lowerBound
                    while r < rows.upperBound {
                        let n = r / oh, oy0 = r % oh, oy1 = min(oh, oy0 + rows.upperBound - r)
                        zoo_conv_direct(xp.baseAddress! + n * h * w * cin, Int32(h), Int32(w), Int32(cin), kp.baseAddress!,
                                        Int32(kh), Int32(kw), Int32(cout), bp.baseAddress!, relu ? 1 : 0,
                                        Int32(g.rows.stride), Int32(g.cols.stride), Int32(g.rows.padBefore),
                                        Int32(g.cols.padBefore), Int32(ow), Int32(oy0), Int32(oy1),
                                        out + n * oh * ow * cout)
                        r += oy1 - oy0
                    }
                }
            }
        }
    }
}

/// out[rows, O] = a[rows, K] * w[K, O] (+ bias) (+ residual[rows, O]), then ReLU if asked. With
/// `packed` (w packed by `packMatrix`) the packed GEMM does it all. Through OpenBLAS, many rows
/// (1x1 convolutions of large maps) go in blocks of 256 rows or 256 KiB of output, spread over
/// the cores, so the epilogue touches each block while it is in cache.
func gemmTile(
    _ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows: Int, k: Int,
    cout: Int, bias: [Float]?, relu: Bool, residual: UnsafePointer<Float>? = nil, packed: UnsafePointer<Float>? = nil
) {
    if let packed {
        withOptionalPointer(bias) { bp in
            packedGemm(a, lda: k, packed, c, rows: rows, k: k, n: cout, bias: bp, residual: residual, relu: relu)
        }
        return
    }
    // At least 256 rows: every block repacks the whole of w, which must stay a small share.
    let block = max(256, (1 << 16) / max(cout, 1))
    if rows >= 2 * block && (bias != nil || relu || residual != nil || splitWorkers(rows * k * cout) > 1) {
        let blocks = (rows + block - 1) / block
        parallelChunks(blocks) { mine in
            for b in mine {
                let r0 = b * block, r1 = min(rows, r0 + block)
                gemmBlock(a + r0 * k, w, c + r0 * cout, rows: r1 - r0, k: k, cout: cout, bias: bias, relu: relu,
                          residual: residual.map { $0 + r0 * cout })
            }
        }
    } else {
        gemmBlock(a, w, c, rows: rows, k: k, cout: cout, bias: bias, relu: relu, residual: residual)
    }
}

@inline(__always)
private func gemmBlock(
    _ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows: Int, k: Int,
    cout: Int, bias: [Float]?, relu: Bool, residual: UnsafePointer<Float>?
) {
    sgemm(m: rows, n: cout, k: k, a: a, lda: k, b: w, ldb: cout, beta: 0, c: c, ldc: cout)
    guard bias != nil || relu || residual != nil else { return }
    if let bias {
        bias.withUnsafeBufferPointer { zoo_epilogue(c, rows, Int32(cout), $0.baseAddress!, residual, relu ? 1 : 0) }
    } else {
        zoo_epilogue(c, rows, Int32(cout), nil, residual, relu ? 1 : 0)
    }
}

/// Copies the receptive field of each output pixel in `rows` into one row of `col`
/// ([rows, KH*KW*C]); taps that fall on padding are zero. For a fixed kernel row the
/// KW*C inputs are contiguous in NHWC, so each kernel row is one or two copies.
func im2col(
    _ x: UnsafePointer<Float>, _ g: WindowGeometry, kh: Int, kw: Int, rows: Range<Int>,
    into col: UnsafeMutablePointer<Float>
) {
    let (h, w, c) = (g.rows.input, g.cols.input, g.channels)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let k = kh * kw * c
    for (r, pixel) in rows.enumerated() {
        let n = pixel / (oh * ow), rem = pixel % (oh * ow)
        let (oy, ox) = (rem / ow, rem % ow)
        let iy0 = oy * g.rows.stride - g.rows.padBefore
        let ix0 = ox * g.cols.stride - g.cols.padBefore
        let j0 = max(0, -ix0), j1 = min(kw, w - ix0)
        var dst = col + r * k
        for i in 0..<kh {
            let iy = iy0 + i
            if iy < 0 || iy >= h || j1 <= j0 {
                dst.update(repeating: 0, count: kw * c)
            } else {
                if j0 > 0 { dst.update(repeating: 0, count: j0 * c) }
                let src = x + ((n * h + iy) * w + ix0 + j0) * c
                (dst + j0 * c).update(from: src, count: (j1 - j0) * c)
                if j1 < kw { (dst + j1 * c).update(repeating: 0, count: (kw - j1) * c) }
            }
            dst += kw * c
        }
    }
}

@inline(__always)
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress!) }
}

@inline(__always)
func fillRows(_ c: UnsafeMutablePointer<Float>, rows: Int, with row: [Float]) {
    row.withUnsafeBufferPointer { b in
        for r in 0..<rows { (c + r * b.count).update(from: b.baseAddress!, count: b.count) }
    }
}

/// max(x, 0) in place; NaN stays NaN, as in TensorFlow. Branch-free so it vectorises.
@inline(__always)
func reluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { p[i] = p[i] < 0 ? 0 : p[i] }
}

/// The textbook seven-loop convolution: the oracle every algorithm of `Conv2DPlan` is tested against.
public func conv2dNaive(
    _ x: Tensor, kernel: Tensor, bias: [Float]?, strides: (Int, Int) = (1, 1), padding: Padding = .valid
) -> Tensor {
    let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    var out = Tensor(zeros: [g.batch, g.rows.output, g.cols.output, cout])
    for n in 0..<g.batch {
        for oy in 0..<g.rows.output {
            for ox in 0..<g.cols.output {
                for o in 0..<cout {
                    var s: Double = Double(bias?[o] ?? 0)
                    for i in 0..<kh {
                        for j in 0..<kw {
                            let iy = oy * strides.0 - g.rows.padBefore + i
                            let ix = ox * strides.1 - g.cols.padBefore + j
                            guard iy >= 0, iy < g.rows.input, ix >= 0, ix < g.cols.input else { continue }
                            for c in 0..<cin {
                                s += Double(x.data[((n * g.rows.input + iy) * g.cols.input + ix) * cin + c])
                                    * Double(kernel.data[((i * kw + j) * cin + c) * cout + o])
                            }
                        }
                    }
                    out.data[((n * g.rows.output + oy) * g.cols.output + ox) * cout + o] = Float(s)
                }
            }
        }
    }
    return out
}
