import CKernels
import Foundation

/// Output positions along one axis grouped by the kernel taps that land inside the input.
struct TapGroup {
    let taps: Range<Int>
    let outputs: [Int]
}

func tapGroups(_ a: AxisGeometry) -> [TapGroup] {
    var groups: [Range<Int>: [Int]] = [:]
    for o in 0..<a.output { groups[a.taps(o), default: []].append(o) }
    return groups.map { TapGroup(taps: $0.key, outputs: $0.value) }.sorted { $0.outputs[0] < $1.outputs[0] }
}

/// Fraction of multiply-adds that fall on zero padding; worth skipping on small maps.
func paddedTapFraction(_ g: WindowGeometry) -> Double {
    func valid(_ a: AxisGeometry) -> Int { tapGroups(a).reduce(0) { $0 + $1.taps.count * $1.outputs.count } }
    let all = g.rows.output * g.rows.kernel * g.cols.output * g.cols.kernel
    return all == 0 ? 0 : 1 - Double(valid(g.rows) * valid(g.cols)) / Double(all)
}

/// The kernel rows of the taps `rows` x `cols`, as one [taps * C, O] matrix.
func tapWindowKernel(_ kernel: Tensor, rows: Range<Int>, cols: Range<Int>) -> [Float] {
    let (kw, cin, cout) = (kernel.shape[1], kernel.shape[2], kernel.shape[3])
    var sub = [Float]()
    sub.reserveCapacity(rows.count * cols.count * cin * cout)
    for i in rows { for j in cols {
        let start = ((i * kw + j) * cin) * cout
        sub += kernel.data[start..<(start + cin * cout)]
    } }
    return sub
}

/// Conv2D forward that never multiplies by padding (the `skipPadding` algorithm): output pixels
/// are grouped by their window of valid taps (`windows`, at most 3 x 3 for a 3x3 kernel), and
/// each group is one GEMM against only the kernel rows of those taps (`kernels`, one per window,
/// from `tapWindowKernel`). Same result as im2col up to summation order.
func conv2dForwardSkippingPadding(
    _ x: Tensor, windows: [(rows: TapGroup, cols: TapGroup)], kernels: [[Float]], cout: Int, bias: [Float]?,
    g: WindowGeometry, relu: Bool, out: UnsafeMutablePointer<Float>
) {
    let cin = g.channels
    let (h, w) = (g.rows.input, g.cols.input)
    let (oh, ow) = (g.rows.output, g.cols.output)
    x.data.withUnsafeBufferPointer { xp in
        for ((rg, cg), sub) in zip(windows, kernels) {
            let k = rg.taps.count * cg.taps.count * cin
            let pixels = g.batch * rg.outputs.count * cg.outputs.count
            let perImage = rg.outputs.count * cg.outputs.count
            var col = uninitializedFloats(pixels * k)
            var result = uninitializedFloats(pixels * cout)
            col.withUnsafeMutableBufferPointer { cp in
                let run = cg.taps.count * cin
                parallelChunks(g.batch, minChunk: 8) { images in
                    var dst = cp.baseAddress! + images.lowerBound * perImage * k
                    for n in images { for oy in rg.outputs { for ox in cg.outputs {
                        let iy0 = oy * g.rows.stride - g.rows.padBefore
                        let ix = ox * g.cols.stride - g.cols.padBefore + cg.taps.lowerBound
                        for i in rg.taps {
                            dst.update(from: xp.baseAddress! + ((n * h + iy0 + i) * w + ix) * cin, count: run)
                            dst += run
                        }
                    } } }
                }
            }
            col.withUnsafeBufferPointer { cp in
                sub.withUnsafeBufferPointer { sp in
                    result.withUnsafeMutableBufferPointer { rp in
                        gemmTile(cp.baseAddress!, sp.baseAddress!, rp.baseAddress!, rows: pixels, k: k,
                                 cout: cout, bias: bias, relu: relu)
                    }
                }
            }
            result.withUnsafeBufferPointer { rp in
                parallelChunks(g.batch, minChunk: 8) { images in
                    var src = rp.baseAddress! + images.lowerBound * perImage * cout
                    for n in images { for oy in rg.outputs { for ox in cg.outputs {
                        (out + ((n * oh + oy) * ow + ox) * cout).update(from: src, count: cout)
                        src += cout
                    } } }
                }
            }
        }
    }
}

/// The same convolution with the packed GEMM (the `tapByTap` algorithm), one product per kernel
/// tap and output pixel, with `packedTaps` the kernel's taps packed by `packMatrices`:
/// out[:, p] (+)= x[:, q] * W[tap] over the batch, where input pixel q lands on `tap` of output
/// pixel p. Each tap's weights are packed once and used by all its pixels while in cache, so
/// every weight is read from memory once per call (the grouped path reads a tap once per group:
/// 16 taps' worth for 9 on a 2x2 map). A pixel's first tap writes, the others add, and its last
/// applies bias and ReLU. The cores split the output channels (or, if few, the images).
func conv2dForwardTapByTap(
    _ x: Tensor, packedTaps packed: [Float], kernel: [Int], bias: [Float]?, g: WindowGeometry, relu: Bool,
    out: UnsafeMutablePointer<Float>
) {
    let (kh, kw, cin, cout) = (kernel[0], kernel[1], kernel[2], kernel[3])
    let (h, w, oh, ow) = (g.rows.input, g.cols.input, g.rows.output, g.cols.output)
    guard g.batch > 0 else { return }
    let plane = zoo_packed_size(Int32(cin), Int32(cout))
    // Every output pixel has at least one tap inside the input (valid or same padding), so each
    // gets a first product that writes it.
    struct Product { let tap: Int, input: Int, output: Int, first: Bool, last: Bool }
    var products: [Product] = []
    for i in 0..<kh {
        for j in 0..<kw {
            for oy in 0..<oh where g.rows.taps(oy).contains(i) {
                for ox in 0..<ow where g.cols.taps(ox).contains(j) {
                    let (rows, cols) = (g.rows.taps(oy), g.cols.taps(ox))
                    let iy = oy * g.rows.stride - g.rows.padBefore + i, ix = ox * g.cols.stride - g.cols.padBefore + j
                    products.append(Product(tap: i * kw + j, input: iy * w + ix, output: oy * ow + ox,
                                            first: i == rows.lowerBound && j == cols.lowerBound,
                                            last: i == rows.upperBound - 1 && j == cols.upperBound - 1))
                }
            }
        }
    }
    let (mr, nr) = (gemmRows, gemmPanel)
    let panels = (cout + nr - 1) / nr, threads = Parallelism.available
    let byColumns = panels >= 2 * threads || g.batch < 2 * mr * threads
    x.data.withUnsafeBufferPointer { xp in
        packed.withUnsafeBufferPointer { pp in
            withOptionalPointer(bias) { bp in
                parallelChunks(byColumns ? panels : (g.batch + mr - 1) / mr) { part in
                    let (j0, j1) = byColumns ? (part.lowerBound * nr, min(cout, part.upperBound * nr)) : (0, cout)
                    let (n0, n1) = byColumns ? (0, g.batch) : (part.lowerBound * mr, min(g.batch, part.upperBound * mr))
                    for p in products {
                        zoo_packed_gemm(
                            Int32(n1 - n0), Int32(j1 - j0), Int32(cin), xp.baseAddress! + (n0 * h * w + p.input) * cin,
                            h * w * cin, pp.baseAddress! + p.tap * plane, Int32(cout), Int32(j0 / nr),
                            out + (n0 * oh * ow + p.output) * cout + j0, oh * ow * cout, p.last ? bp.map { $0 + j0 } : nil,
                            nil, 0, p.last && relu ? 1 : 0, p.first ? 0 : 1)
                    }
                }
            }
        }
    }
}
