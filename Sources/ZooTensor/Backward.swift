import Foundation

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
                        sgemm(transB: true, m: n, n: i, k: o, a: gp.baseAddress!, lda: o, b: wp.baseAddress!, ldb: o,
                              beta: 0, c: dxp.baseAddress!, ldc: i)
                    }
                    dk.withUnsafeMutableBufferPointer { dkp in
                        sgemm(transA: true, m: i, n: o, k: n, a: xp.baseAddress!, lda: i, b: gp.baseAddress!, ldb: o,
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

