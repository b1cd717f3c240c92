import COpenBLAS

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
/// one inside a parallel region or for products too small to pay for a thread.
@inline(__always)
func splitWorkers(_ volume: Int) -> Int {
    volume >= 1 << 21 && !inParallelRegion ? workerCount : 1
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

/// Threads used for every later GEMM and parallel loop.
public func setBLASThreads(_ count: Int) {
    workerCount = max(1, count)
}

public func blasThreads() -> Int { workerCount }
