import Foundation

/// Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray, 2016): each 4x4 block of
/// outputs comes from a 6x6 input tile with 36 multiplications per channel pair instead of 144,
/// so VGG16 and ResNet50's 3x3 layers do a quarter of the multiply-adds. The 36 products over
/// channels are 36 independent GEMMs, [tiles, Cin] x [Cin, Cout]:
///
///   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
///
/// Activations are NHWC and the channel axis is innermost, so both transforms run on SIMD
/// vectors of 16 channels; the transformed kernel is cached until the weights change.

/// Whether `conv2dForward` may use Winograd for this convolution: 3x3, stride 1, and maps big
/// enough for whole tiles to beat skipping the padding taps (a 2x2 map needs only 16 of 36).
func winogradApplies(_ g: WindowGeometry, kernel: Tensor) -> Bool {
    kernel.shape[0] == 3 && kernel.shape[1] == 3 && g.rows.stride == 1 && g.cols.stride == 1
        && g.channels % winogradLanes == 0 && kernel.shape[3] % winogradLanes == 0
        && min(g.rows.output, g.cols.output) >= 3
}

let winogradLanes = 16
typealias Lanes = SIMD16<Float>

/// The transformed kernel U = G g Gᵀ, laid out [36][Cin][Cout] so that U[ξ] is the right-hand
/// matrix of GEMM ξ. Computed in Double: the 1/6, 1/12 and 1/24 of G would otherwise round.
func winogradKernel(_ kernel: Tensor) -> [Float] {
    let g: [[Double]] = [
        [1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1],
    ]
    let plane = kernel.shape[2] * kernel.shape[3]
    return [Float](unsafeUninitializedCapacity: 36 * plane) { u, initialized in
        kernel.data.withUnsafeBufferPointer { kp in
            let (k, u) = (kp.baseAddress!, u.baseAddress!)
            parallelChunks(plane, minChunk: 4096) { elements in
                for e in elements {
                    let w = (0..<9).map { Double(k[$0 * plane + e]) }
                    for a in 0..<6 {
                        // Row a of G g, then its products with the rows of G.
                        let r0 = g[a][0] * w[0] + g[a][1] * w[3] + g[a][2] * w[6]
                        let r1 = g[a][0] * w[1] + g[a][1] * w[4] + g[a][2] * w[7]
                        let r2 = g[a][0] * w[2] + g[a][1] * w[5] + g[a][2] * w[8]
                        for b in 0..<6 {
                            u[(a * 6 + b) * plane + e] = Float(r0 * g[b][0] + r1 * g[b][1] + r2 * g[b][2])
                        }
                    }
                }
            }
        }
        initialized = 36 * plane
    }
}

/// Output tiles per chunk: the transformed inputs and products of a chunk stay within 32 MiB
/// (memory is bounded at any input size), and at least 64 rows keep each GEMM efficient.
private func tilesPerChunk(cin: Int, cout: Int) -> Int {
    max(64, (8 << 20) / (36 * (cin + cout)))
}

/// Same result as `conv2dForward` (up to rounding) for `winogradApplies` convolutions.
func conv2dForwardWinograd(
    _ x: Tensor, kernel: Tensor, version: Int, cache: TapKernelCache, bias: [Float]?, g: WindowGeometry,
    relu: Bool, out: UnsafeMutablePointer<Float>, chunkTiles: Int? = nil
) {
    let (cin, cout) = (kernel.shape[2], kernel.shape[3])
    let u = cache.kernel(for: [-1], version: version) { winogradKernel(kernel) }
    let tiles = TileGrid(g)
    let chunk = min(tiles.count, chunkTiles ?? tilesPerChunk(cin: cin, cout: cout))
    var v = uninitializedFloats(36 * chunk * cin)
    var m = uninitializedFloats(36 * chunk * cout)
    let biasLanes = (bias ?? [Float](repeating: 0, count: cout))
    x.data.withUnsafeBufferPointer { xp in
        u.withUnsafeBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in
                m.withUnsafeMutableBufferPointer { mp in
                    biasLanes.withUnsafeBufferPointer { bp in
                        let (xb, ub, vb, mb) = (xp.baseAddress!, up.baseAddress!, vp.baseAddress!, mp.baseAddress!)
                        for t0 in stride(from: 0, to: tiles.count, by: chunk) {
                            let count = min(chunk, tiles.count - t0)
                            parallelChunks(count, minChunk: 8) { range in
                                for t in range {
                                    inputTransform(xb, tiles, tile: t0 + t, cin: cin, into: vb + t * cin, planeStride: count * cin)
                                }
                            }
                            withSingleThreadedBLAS {
                                parallelChunks(36) { xis in
                                    for xi in xis {
                                        sgemm(m: count, n: cout, k: cin, a: vb + xi * count * cin, lda: cin,
                                              b: ub + xi * cin * cout, ldb: cout, beta: 0, c: mb + xi * count * cout, ldc: cout)
                                    }
                                }
                            }
                            parallelChunks(count, minChunk: 8) { range in
                                for t in range {
                                    outputTransform(mb + t * cout, planeStride: count * cout, tiles, tile: t0 + t, cout: cout,
                                                    bias: bp.baseAddress!, relu: relu, out: out)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The 4x4 output tiles of a batch, numbered image by image, row by row.
struct TileGrid {
    let g: WindowGeometry
    let rows: Int, cols: Int

    init(_ g: WindowGeometry) {
        self.g = g
        rows = (g.rows.output + 3) / 4
        cols = (g.cols.output + 3) / 4
    }

    var count: Int { g.batch * rows * cols }

    /// Image, first output row and column of tile `t`.
    func origin(_ t: Int) -> (n: Int, oy: Int, ox: Int) {
        let n = t / (rows * cols), r = t % (rows * cols)
        return (n, r / cols * 4, r % cols * 4)
    }
}

/// V[ξ][t] = (Bᵀ d B)[ξ] for the 6x6 input tile d of tile t; taps outside the input are zero.
@inline(__always)
private func inputTransform(
    _ x: UnsafePointer<Float>, _ tiles: TileGrid, tile: Int, cin: Int, into v: UnsafeMutablePointer<Float>,
    planeStride: Int
) {
    let g = tiles.g
    let (n, oy, ox) = tiles.origin(tile)
    let (h, w) = (g.rows.input, g.cols.input)
    let iy0 = oy - g.rows.padBefore, ix0 = ox - g.cols.padBefore
    withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 36) { d in
        for c in stride(from: 0, to: cin, by: winogradLanes) {
            for i in 0..<6 {
                let iy = iy0 + i
                for j in 0..<6 {
                    let ix = ix0 + j
                    if iy >= 0 && iy < h && ix >= 0 && ix < w {
                        d[i * 6 + j] = UnsafeRawPointer(x + ((n * h + iy) * w + ix) * cin + c).loadUnaligned(as: Lanes.self)
                    } else {
                        d[i * 6 + j] = Lanes()
                    }
                }
            }
            // Bᵀ d, column by column, then (Bᵀ d) B row by row, in place.
            for j in 0..<6 { bt(d.baseAddress! + j, stride: 6) }
            for i in 0..<6 { bt(d.baseAddress! + i * 6, stride: 1) }
            for xi in 0..<36 {
                UnsafeMutableRawPointer(v + xi * planeStride + c).storeBytes(of: d[xi], as: Lanes.self)
            }
        }
    }
}

/// Bᵀ applied to the six vectors p[0], p[s], ..., p[5s], in place.
@inline(__always)
private func bt(_ p: UnsafeMutablePointer<Lanes>, stride s: Int) {
    let (d0, d1, d2, d3, d4, d5) = (p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s])
    let a = d4 - 4 * d2, b = d3 - 4 * d1  // rows 1 and 2
    let c = d4 - d2, e = 2 * (d3 - d1)  // rows 3 and 4
    p[0] = 4 * d0 - 5 * d2 + d4
    p[s] = a + b
    p[2 * s] = a - b
    p[3 * s] = c + e
    p[4 * s] = c - e
    p[5 * s] = 4 * d1 - 5 * d3 + d5
}

/// Y = Aᵀ M A for tile t, plus bias and ReLU, written where the tile lies inside the output.
@inline(__always)
private func outputTransform(
    _ m: UnsafePointer<Float>, planeStride: Int, _ tiles: TileGrid, tile: Int, cout: Int,
    bias: UnsafePointer<Float>, relu: Bool, out: UnsafeMutablePointer<Float>
) {
    let g = tiles.g
    let (n, oy, ox) = tiles.origin(tile)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let rows = min(4, oh - oy), cols = min(4, ow - ox)
    withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 36) { t in
        for c in stride(from: 0, to: cout, by: winogradLanes) {
            for xi in 0..<36 {
                t[xi] = UnsafeRawPointer(m + xi * planeStride + c).loadUnaligned(as: Lanes.self)
            }
            // Aᵀ M column by column into rows 0-3, then each of those rows times A.
            for j in 0..<6 { at(t.baseAddress! + j, stride: 6) }
            for i in 0..<rows { at(t.baseAddress! + i * 6, stride: 1) }
            let b = UnsafeRawPointer(bias + c).loadUnaligned(as: Lanes.self)
            for i in 0..<rows {
                for j in 0..<cols {
                    var y = t[i * 6 + j] + b
                    if relu { y.replace(with: 0, where: y .< 0) }
                    UnsafeMutableRawPointer(out + ((n * oh + oy + i) * ow + ox + j) * cout + c).storeBytes(of: y, as: Lanes.self)
                }
            }
        }
    }
}

/// Aᵀ applied to the six vectors p[0], p[s], ..., p[5s]; the four results replace p[0]...p[3s].
@inline(__always)
private func at(_ p: UnsafeMutablePointer<Lanes>, stride s: Int) {
    let (m0, m1, m2, m3, m4, m5) = (p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s])
    let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
    p[0] = m0 + a + c
    p[s] = b + 2 * d
    p[2 * s] = a + 4 * c
    p[3 * s] = b + 8 * d + m5
}
