import CKernels
import Foundation

/// Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray, 2016): each 4x4 block of
/// outputs comes from a 6x6 input tile with 36 multiplications per channel pair instead of 144,
/// so VGG16 and ResNet50's 3x3 layers do a quarter of the multiply-adds. The 36 products over
/// channels are 36 independent GEMMs, [tiles, Cin] x [Cin, Cout]:
///
///   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
///
/// Activations are NHWC and the channel axis is innermost, so both transforms (CKernels) run on
/// vectors of 16 channels; the plan keeps the transformed kernel until the weights change.

/// Channels per vector of the transforms: Winograd needs input and output channels in multiples.
let winogradLanes = 16

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

/// Output tiles per chunk. A chunk's transformed inputs and products (36 x tiles x (Cin+Cout))
/// cost about as much memory traffic as the transformed kernel (36 x Cin x Cout) when tiles ~
/// Cin*Cout/(Cin+Cout): 32 tiles for 64 channels (the chunk stays in L2), 256 for 512 (each
/// GEMM still has enough rows to run at full speed).
func winogradChunk(cin: Int, cout: Int) -> Int {
    max(16, min(512, cin * cout / (cin + cout)))
}

/// What a Winograd plan keeps per kernel version: U, or with the packed GEMM only its 36 planes
/// packed (U itself is not kept).
func winogradWeights(_ kernel: Tensor, packed: Bool) -> [Float] {
    let (cin, cout) = (kernel.shape[2], kernel.shape[3])
    guard packed else { return winogradKernel(kernel) }
    return winogradKernel(kernel).withUnsafeBufferPointer { packMatrices($0.baseAddress!, count: 36, k: cin, n: cout) }
}

/// The Winograd algorithm of `Conv2DPlan` (3x3, stride 1, channels in multiples of 16), with `u`
/// from `winogradWeights(kernel, packed:)`. Many chunks: each core runs whole chunks (transform,
/// 36 GEMMs, inverse transform) on its own buffers, so a chunk never leaves its core's cache.
/// Few: the chunk's three steps are split.
func conv2dForwardWinograd(
    _ x: Tensor, u: [Float], packed: Bool, bias: [Float]?, g: WindowGeometry, cout: Int, relu: Bool,
    out: UnsafeMutablePointer<Float>, chunkTiles: Int? = nil
) {
    let cin = g.channels
    let planeSize = packed ? zoo_packed_size(Int32(cin), Int32(cout)) : cin * cout
    let threads = Parallelism.available
    let tiles = TileGrid(g)
    var chunk = min(tiles.count, chunkTiles ?? winogradChunk(cin: cin, cout: cout))
    var chunks = (tiles.count + chunk - 1) / chunk
    if chunkTiles == nil && chunks >= 2 * threads {
        // Equal chunks, as many for each core: 5 chunks on 2 cores would leave one idle a fifth.
        chunks = (chunks + threads - 1) / threads * threads
        chunk = (tiles.count + chunks - 1) / chunks
        chunks = (tiles.count + chunk - 1) / chunk
    }
    if packed && chunkTiles == nil && chunk % gemmRows != 0 && chunk > gemmRows {
        // Whole 12-row tiles of the packed GEMM: 32 tiles would cost as much as 36.
        chunk = min(tiles.count, (chunk + gemmRows - 1) / gemmRows * gemmRows)
        chunks = (tiles.count + chunk - 1) / chunk
    }
    let biasLanes = (bias ?? [Float](repeating: 0, count: cout))
    x.data.withUnsafeBufferPointer { xp in
        u.withUnsafeBufferPointer { up in
            biasLanes.withUnsafeBufferPointer { bp in
                let step = WinogradStep(x: xp.baseAddress!, u: up.baseAddress!, packed: packed,
                                        planeSize: planeSize, bias: bp.baseAddress!, out: out, tiles: tiles, cin: cin,
                                        cout: cout, relu: relu)
                func run(_ mine: Range<Int>) {
                    var v = uninitializedFloats(36 * chunk * cin), m = uninitializedFloats(36 * chunk * cout)
                    v.withUnsafeMutableBufferPointer { vp in
                        m.withUnsafeMutableBufferPointer { mp in
                            for c in mine {
                                step.run(tiles: (c * chunk)..<min((c + 1) * chunk, tiles.count), v: vp.baseAddress!,
                                         m: mp.baseAddress!)
                            }
                        }
                    }
                }
                if chunks >= 2 * threads { parallelChunks(chunks, run) } else { run(0..<chunks) }
            }
        }
    }
}

/// One chunk of tiles through the three steps; each step spreads over the cores when called
/// outside a parallel region.
private struct WinogradStep {
    let x: UnsafePointer<Float>, u: UnsafePointer<Float>
    let packed: Bool, planeSize: Int  // whether u holds packed planes, and each plane's floats
    let bias: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let tiles: TileGrid
    let cin: Int, cout: Int
    let relu: Bool

    func run(tiles range: Range<Int>, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        let count = range.count
        let g = tiles.g
        let (h, w, oh, ow) = (g.rows.input, g.cols.input, g.rows.output, g.cols.output)
        parallelChunks(count, minChunk: 8) { part in
            for t in part {
                let (n, oy, ox) = tiles.origin(range.lowerBound + t)
                zoo_winograd_input(x + n * h * w * cin, Int32(h), Int32(w), Int32(cin), Int32(oy - g.rows.padBefore),
                                   Int32(ox - g.cols.padBefore), v + t * cin, count * cin)
            }
        }
        parallelChunks(36) { xis in
            for xi in xis {
                if packed {
                    zoo_packed_gemm(Int32(count), Int32(cout), Int32(cin), v + xi * count * cin, cin,
                                    u + xi * planeSize, Int32(cout), 0, m + xi * count * cout, cout, nil, nil, 0, 0, 0)
                    continue
                }
                sgemm(m: count, n: cout, k: cin, a: v + xi * count * cin, lda: cin, b: u + xi * planeSize, ldb: cout,
                      beta: 0, c: m + xi * count * cout, ldc: cout)
            }
        }
        parallelChunks(count, minChunk: 8) { part in
            for t in part {
                let (n, oy, ox) = tiles.origin(range.lowerBound + t)
                zoo_winograd_output(m + t * cout, count * cout, Int32(cout), bias, relu ? 1 : 0, Int32(min(4, oh - oy)),
                                    Int32(min(4, ow - ox)), out + ((n * oh + oy) * ow + ox) * cout, ow * cout)
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

