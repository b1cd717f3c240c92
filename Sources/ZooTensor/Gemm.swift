import CKernels
import COpenBLAS
import Foundation

/// C[m,n] = alpha * A[m,k] * B[k,n] + beta * C, all row-major, through OpenBLAS.
///
/// OpenBLAS runs single-threaded: our own loops spread the work over the cores. Its thread
/// pool spins in `sched_yield` for a while after every threaded call, which stole a seventh of
/// the machine from the parallel loops around it. Outside a parallel region a large product is
/// split here instead: by output columns when B is wide (each core packs only its part of B),
/// else by rows.
@inline(__always)
public func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    _ = blasSingleThreaded
    let workers = splitWorkers(m * n * k)
    if workers > 1 && n >= 128 && m <= 2 * n {
        let blocks = (n + 15) / 16
        parallelChunks(blocks) { range in
            let j0 = range.lowerBound * 16, j1 = min(n, range.upperBound * 16)
            blasCall(transA, transB, m, j1 - j0, k, alpha, a, lda, b + (transB ? j0 * ldb : j0), ldb, beta, c + j0, ldc)
        }
    } else if workers > 1 && m >= 32 {
        parallelChunks(m, minChunk: 16) { rows in
            let i0 = rows.lowerBound
            blasCall(transA, transB, rows.count, n, k, alpha, a + (transA ? i0 : i0 * lda), lda, b, ldb, beta, c + i0 * ldc, ldc)
        }
    } else {
        blasCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// Workers worth using for a product of `volume` = m*n*k multiply-adds from the current thread:
/// one inside a parallel region (`Parallelism.available` is 1 there) or for products too small to
/// pay for a thread.
@inline(__always)
func splitWorkers(_ volume: Int) -> Int {
    volume >= 1 << 21 ? Parallelism.available : 1
}

@inline(__always)
private func blasCall(
    _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

private let blasSingleThreaded: Void = openblas_set_num_threads(1)

/// Whether this CPU can run the packed GEMM (AVX-512), CKernels' GEMM for frozen weights: it
/// packs them once instead of on every call and applies the epilogue in registers. Whether a
/// convolution uses it is its plan's choice (`ConvPolicy`).
public let packedGemmAvailable = zoo_packed_gemm_available() != 0

/// The packed GEMM's register tile (CKernels.h): rows of C per micro-kernel call, and columns per
/// panel of packed B.
let gemmRows = Int(ZOO_GEMM_MR), gemmPanel = Int(ZOO_GEMM_NR)

/// Row-major b [k, n] packed for `packedGemm`.
func packMatrix(_ b: UnsafePointer<Float>, k: Int, n: Int) -> [Float] {
    packMatrices(b, count: 1, k: k, n: n)
}

/// `count` consecutive row-major [k, n] matrices (Winograd's 36 planes, a kernel's taps), each
/// packed for `packedGemm`; matrix i starts at i * zoo_packed_size(k, n).
func packMatrices(_ b: UnsafePointer<Float>, count: Int, k: Int, n: Int) -> [Float] {
    let size = zoo_packed_size(Int32(k), Int32(n))
    return [Float](unsafeUninitializedCapacity: count * size) { p, initialized in
        for i in 0..<count { zoo_pack_b(b + i * k * n, Int32(k), Int32(n), p.baseAddress! + i * size) }
        initialized = count * size
    }
}

/// c[rows, n] = a[rows, k] * B (+ bias[n]) (+ residual[rows, n]), then ReLU if asked, with B
/// packed by `packMatrix`. Outside a parallel region the rows are split over the cores (each
/// reads the same packed B, so nothing is repacked per core); few rows split the columns.
func packedGemm(
    _ a: UnsafePointer<Float>, lda: Int, _ packed: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    rows: Int, k: Int, n: Int, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>? = nil, relu: Bool
) {
    guard rows > 0, n > 0 else { return }
    let workers = splitWorkers(rows * k * n)
    let micro = gemmRows, panel = gemmPanel
    // Each core streams the part of B it multiplies: splitting the columns halves that traffic,
    // which matters when there are few rows to reuse each block of B over.
    if workers > 1 && (rows >= 256 || n < 4 * panel * workers) && rows >= 2 * micro * workers {
        parallelChunks((rows + micro - 1) / micro) { units in
            let r0 = units.lowerBound * micro, r1 = min(rows, units.upperBound * micro)
            zoo_packed_gemm(Int32(r1 - r0), Int32(n), Int32(k), a + r0 * lda, lda, packed, Int32(n), 0, c + r0 * n, n, bias,
                            residual.map { $0 + r0 * n }, n, relu ? 1 : 0, 0)
        }
    } else if workers > 1 && n > panel {
        parallelChunks((n + panel - 1) / panel) { panels in
            let j0 = panels.lowerBound * panel, j1 = min(n, panels.upperBound * panel)
            zoo_packed_gemm(Int32(rows), Int32(j1 - j0), Int32(k), a, lda, packed, Int32(n), Int32(panels.lowerBound), c + j0, n,
                            bias.map { $0 + j0 }, residual.map { $0 + j0 }, n, relu ? 1 : 0, 0)
        }
    } else {
        zoo_packed_gemm(Int32(rows), Int32(n), Int32(k), a, lda, packed, Int32(n), 0, c, n, bias, residual, n, relu ? 1 : 0, 0)
    }
}
