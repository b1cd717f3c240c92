import COpenBLAS

/// C[m,n] = alpha * A[m,k] * B[k,n] + beta * C, all row-major, through OpenBLAS.
@inline(__always)
public func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The thread count OpenBLAS uses for every later call.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(count))
}

public func blasThreads() -> Int { Int(openblas_get_num_threads()) }
