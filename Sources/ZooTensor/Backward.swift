import Dispatch

/// Dense backward: given x [N,I], kernel [I,O] and dy [N,O] (the gradient at the pre-activation),
/// returns dx [N,I], dKernel [I,O] = xᵀ·dy and dBias [O] = Σ_n dy.
public func denseBackward(_ x: Tensor, kernel: Tensor, dy: Tensor) -> (dx: Tensor, dKernel: Tensor, dBias: [Float]) {
    let g = denseBackward(x, kernel: kernel, dy: dy, needInputGradient: true)
    return (g.dx!, g.dKernel, g.dBias)
}

/// The same, skipping dx (nil) unless asked for: a first layer never needs it.
public func denseBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, needInputGradient: Bool
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    let (n, i, o) = (dy.shape[0], kernel.shape[0], kernel.shape[1])
    let dxCount = needInputGradient ? n * i : 0
    var dk = [Float](repeating: 0, count: i * o)
    var db = [Float](repeating: 0, count: o)
    let dx = [Float](unsafeUninitializedCapacity: dxCount) { dxp, initialized in
        x.data.withUnsafeBufferPointer { xp in
            kernel.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { gp in
                    if dxCount > 0 {
                        splitSgemm(transB: true, m: n, n: i, k: o, a: gp.baseAddress!, lda: o, b: wp.baseAddress!, ldb: o,
                                   beta: 0, c: dxp.baseAddress!, ldc: i)
                    }
                    dk.withUnsafeMutableBufferPointer { dkp in
                        splitSgemm(transA: true, m: i, n: o, k: n, a: xp.baseAddress!, lda: i, b: gp.baseAddress!, ldb: o,
                                   beta: 0, c: dkp.baseAddress!, ldc: o)
                    }
                    db.withUnsafeMutableBufferPointer { dbp in
                        guard let g = gp.baseAddress, let d = dbp.baseAddress else { return }
                        for r in 0..<n {
                            let row = g + r * o
                            for c in 0..<o { d[c] += row[c] }
                        }
                    }
                }
            }
        }
        initialized = dxCount
    }
    return (needInputGradient ? Tensor(shape: x.shape, data: dx) : nil, Tensor(shape: kernel.shape, data: dk), db)
}

/// ReLU backward from the forward output y: dx = dy where y > 0.
public func reluBackward(y: Tensor, dy: Tensor) -> Tensor {
    precondition(y.count == dy.count, "relu backward: y has \(y.count) values, dy \(dy.count)")
    guard dy.count > 0 else { return dy }
    let data = [Float](unsafeUninitializedCapacity: dy.count) { dxp, initialized in
        y.data.withUnsafeBufferPointer { yp in
            dy.data.withUnsafeBufferPointer { gp in
                let (yb, gb, db) = (yp.baseAddress!, gp.baseAddress!, dxp.baseAddress!)
                parallelChunks(dy.count, minChunk: 1 << 16) { r in
                    for i in r {
                        // Both loads unconditional, so the loop vectorises.
                        let (yi, gi) = (yb[i], gb[i])
                        db[i] = yi <= 0 ? 0 : gi
                    }
                }
            }
        }
        initialized = dy.count
    }
    return Tensor(shape: dy.shape, data: data)
}

/// Softmax cross-entropy on logits [N,C] against integer labels, averaged over the batch as
/// Keras's default reduction does. Computed from the logits (log-sum-exp), as Keras does when a
/// softmax output feeds categorical cross-entropy, so no probability is ever log(0).
/// Returns the mean loss, the probabilities and d(loss)/d(logits) = (p - onehot) / N.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int]) -> (loss: Double, probabilities: Tensor, dLogits: Tensor) {
    let (n, c) = (logits.shape[0], logits.shape[1])
    var p = logits
    softmaxInPlace(&p)
    var loss = 0.0
    var d = p
    for r in 0..<n {
        let row = logits.data[(r * c)..<(r * c + c)]
        let m = row.max()!
        let lse = Double(m) + log(row.reduce(0.0) { $0 + exp(Double($1 - m)) })
        loss += lse - Double(row[r * c + labels[r]])
        d.data[r * c + labels[r]] -= 1
    }
    let inv = 1 / Float(n)
    for i in d.data.indices { d.data[i] *= inv }
    return (loss / Double(n), p, d)
}

import Foundation

/// Runs `body(0)`, ..., `body(count - 1)` on all cores, each index once, in any order and on
/// any thread: GCD hands out indices as workers free up, so a core slowed by other processes
/// takes fewer. Results must not depend on which thread ran what (each index writes its own
/// outputs).
func parallelTasks(_ count: Int, _ body: (Int) -> Void) {
    guard count > 1, workerCount > 1 else {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { escaping in
        let box = TaskBody(escaping)
        DispatchQueue.concurrentPerform(iterations: count) { box.run($0) }
    }
}

private struct TaskBody: @unchecked Sendable {
    let run: (Int) -> Void
    init(_ run: @escaping (Int) -> Void) { self.run = run }
}

/// `sgemm` as the dense layers use it: a large product is cut into one block of C's rows or
/// columns (whichever dimension is larger) per core, each a single-threaded GEMM; smaller ones are
/// one single-threaded GEMM. So OpenBLAS never starts its own threads here: after a threaded
/// call they spin for a while, taking a core from the parallel loops that follow. Every element
/// of C is still computed by one GEMM over the whole of k, as without the split.
func splitSgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    let parts = m * n * k >= 1 << 21 ? min(workerCount, max(m, n) / 16) : 1
    withSingleThreadedBLAS {
        if parts <= 1 {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else if n >= m {
            // Column blocks of C (multiples of 16, the GEMM kernels' width): B's columns.
            parallelTasks(parts) { p in
                let n0 = (n * p / parts) & ~15, n1 = p == parts - 1 ? n : (n * (p + 1) / parts) & ~15
                sgemm(transA: transA, transB: transB, m: m, n: n1 - n0, k: k, a: a, lda: lda,
                      b: transB ? b + n0 * ldb : b + n0, ldb: ldb, beta: beta, c: c + n0, ldc: ldc)
            }
        } else {
            // Row blocks of C: A's rows.
            parallelTasks(parts) { p in
                let m0 = (m * p / parts) & ~15, m1 = p == parts - 1 ? m : (m * (p + 1) / parts) & ~15
                sgemm(transA: transA, transB: transB, m: m1 - m0, n: n, k: k, a: transA ? a + m0 : a + m0 * lda, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c + m0 * ldc, ldc: ldc)
            }
        }
    }
}
