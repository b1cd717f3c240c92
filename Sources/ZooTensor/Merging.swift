/// Concatenation on the last axis: inputs [..., C_i] of equal leading shape -> [..., ΣC_i].
public func concatenateLastAxis(_ inputs: [Tensor]) -> Tensor {
    let widths = inputs.map { $0.shape.last! }, total = widths.reduce(0, +)
    let rows = inputs[0].count / max(1, widths[0])
    var out = uninitializedFloats(rows * total)
    out.withUnsafeMutableBufferPointer { o in
        var offset = 0
        for (input, width) in zip(inputs, widths) {
            input.data.withUnsafeBufferPointer { s in
                let (ob, sb, start) = (o.baseAddress!, s.baseAddress, offset)
                parallelChunks(rows, minChunk: max(1, (1 << 15) / max(1, width))) { r in
                    for row in r { (ob + row * total + start).update(from: sb! + row * width, count: width) }
                }
            }
            offset += width
        }
    }
    return Tensor(shape: Array(inputs[0].shape.dropLast()) + [total], data: out)
}

/// The inverse of `concatenateLastAxis`: dy [..., ΣC_i] split into [..., C_i] pieces.
public func splitLastAxis(_ dy: Tensor, widths: [Int]) -> [Tensor] {
    let total = dy.shape.last!, rows = dy.count / max(1, total)
    var offset = 0
    return widths.map { width in
        let start = offset
        offset += width
        let data = [Float](unsafeUninitializedCapacity: rows * width) { p, initialized in
            dy.data.withUnsafeBufferPointer { s in
                let (pb, sb) = (p.baseAddress, s.baseAddress!)
                for row in 0..<rows { (pb! + row * width).update(from: sb + row * total + start, count: width) }
            }
            initialized = rows * width
        }
        return Tensor(shape: Array(dy.shape.dropLast()) + [width], data: data)
    }
}

/// The shape numpy broadcasting gives same-rank shapes (each axis equal or 1), or nil.
public func broadcastShape(_ shapes: [[Int]]) -> [Int]? {
    guard let rank = shapes.first?.count, shapes.allSatisfy({ $0.count == rank }) else { return nil }
    var out = [Int](repeating: 1, count: rank)
    for s in shapes {
        for (i, d) in s.enumerated() where d != 1 {
            guard out[i] == 1 || out[i] == d else { return nil }
            out[i] = d
        }
    }
    return out
}

/// Visits every element of `shape` in row-major order with its flat index in `a`, a same-rank
/// tensor broadcast to `shape` (a stride of 0 on its size-1 axes).
@inline(__always)
private func forEachBroadcast(_ shape: [Int], _ a: [Int], _ body: (Int, Int) -> Void) {
    let rank = shape.count
    guard rank > 0 else { return body(0, 0) }
    var strides = [Int](repeating: 0, count: rank), s = 1
    for i in stride(from: rank - 1, through: 0, by: -1) {
        strides[i] = a[i] == 1 ? 0 : s
        s *= a[i]
    }
    let last = shape[rank - 1], lastStride = strides[rank - 1]
    let rows = shape.reduce(1, *) / max(1, last)
    var index = [Int](repeating: 0, count: rank)
    for row in 0..<rows {
        var base = 0
        for i in 0..<(rank - 1) { base += index[i] * strides[i] }
        for j in 0..<last { body(row * last + j, base + j * lastStride) }
        var i = rank - 2
        while i >= 0 {
            index[i] += 1
            if index[i] < shape[i] { break }
            index[i] = 0
            i -= 1
        }
    }
}

/// The elementwise product of same-rank tensors broadcast to `broadcastShape` of theirs (Keras
/// `Multiply`, e.g. squeeze-and-excitation's [N,1,1,C] * [N,H,W,C]).
public func multiplyBroadcast(_ inputs: [Tensor]) -> Tensor {
    let shape = broadcastShape(inputs.map(\.shape))!
    var out = [Float](repeating: 1, count: shape.reduce(1, *))
    for input in inputs {
        input.data.withUnsafeBufferPointer { s in
            if input.shape == shape {
                for i in out.indices { out[i] *= s[i] }
            } else {
                forEachBroadcast(shape, input.shape) { o, i in out[o] *= s[i] }
            }
        }
    }
    return Tensor(shape: shape, data: out)
}

/// `g` [shape] summed over the axes where `target` has size 1: the gradient of a broadcast input.
public func reduceBroadcast(_ g: Tensor, to target: [Int]) -> Tensor {
    guard g.shape != target else { return g }
    var out = [Float](repeating: 0, count: target.reduce(1, *))
    g.data.withUnsafeBufferPointer { s in forEachBroadcast(g.shape, target) { o, i in out[i] += s[o] } }
    return Tensor(shape: target, data: out)
}
