import Foundation

/// Kernel rows gathered for each window of valid taps, reused while the kernel is unchanged.
public final class TapKernelCache: @unchecked Sendable {
    private let lock = NSLock()
    private var version = -1
    private var store: [[Int]: [Float]] = [:]

    public init() {}

    func kernel(for key: [Int], version: Int, make: () -> [Float]) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if version != self.version { store = [:]; self.version = version }
        if let k = store[key] { return k }
        let k = make()
        store[key] = k
        return k
    }
}

/// Output positions along one axis grouped by the kernel taps that land inside the input.
struct TapGroup {
    let taps: Range<Int>
    let outputs: [Int]
}

func tapGroups(_ a: AxisGeometry) -> [TapGroup] {
    var groups: [Range<Int>: [Int]] = [:]
    for o in 0..<a.output {
        let start = o * a.stride - a.padBefore
        groups[max(0, -start)..<min(a.kernel, a.input - start), default: []].append(o)
    }
    return groups.map { TapGroup(taps: $0.key, outputs: $0.value) }.sorted { $0.outputs[0] < $1.outputs[0] }
}

/// Fraction of multiply-adds that fall on zero padding; worth skipping on small maps.
func paddedTapFraction(_ g: WindowGeometry) -> Double {
    func valid(_ a: AxisGeometry) -> Int { tapGroups(a).reduce(0) { $0 + $1.taps.count * $1.outputs.count } }
    let all = g.rows.output * g.rows.kernel * g.cols.output * g.cols.kernel
    return all == 0 ? 0 : 1 - Double(valid(g.rows) * valid(g.cols)) / Double(all)
}

/// Conv2D forward that never multiplies by padding: output pixels are grouped by their window of
/// valid taps (at most 3 x 3 groups for a 3x3 kernel), and each group is one GEMM against only
/// the kernel rows of those taps. Same result as `conv2dForward` up to summation order.
func conv2dForwardSkippingPadding(
    _ x: Tensor, kernel: Tensor, version: Int, cache: TapKernelCache, bias: [Float]?, g: WindowGeometry,
    relu: Bool, out: UnsafeMutablePointer<Float>
) {
    let (kw, cin, cout) = (kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let (h, w) = (g.rows.input, g.cols.input)
    let (oh, ow) = (g.rows.output, g.cols.output)
    x.data.withUnsafeBufferPointer { xp in
        for rg in tapGroups(g.rows) {
            for cg in tapGroups(g.cols) {
                let k = rg.taps.count * cg.taps.count * cin
                let key = [rg.taps.lowerBound, rg.taps.upperBound, cg.taps.lowerBound, cg.taps.upperBound,
                           packedGemmEnabled ? 1 : 0]
                // The kernel rows of these taps, packed when the packed GEMM runs (then only that is kept).
                let sub = cache.kernel(for: key, version: version) {
                    var rows = [Float]()
                    rows.reserveCapacity(k * cout)
                    for i in rg.taps { for j in cg.taps {
                        let start = ((i * kw + j) * cin) * cout
                        rows += kernel.data[start..<(start + cin * cout)]
                    } }
                    return packedGemmEnabled ? rows.withUnsafeBufferPointer { packMatrix($0.baseAddress!, k: k, n: cout) } : rows
                }
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
                                     cout: cout, bias: bias, relu: relu, packed: packedGemmEnabled ? sp.baseAddress! : nil)
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
}
