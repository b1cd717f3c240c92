import CKernels

/// Concatenation on the last axis: inputs [..., C_i] of equal leading shape -> [..., ΣC_i].
public func concatenateLastAxis(_ inputs: [Tensor]) -> Tensor {
    let widths = inputs.map { $0.shape.last! }, total = widths.reduce(0, +)
    let rows = inputs[0].count / max(1, widths[0])
    guard rows * total > 0 else { return Tensor(shape: Array(inputs[0].shape.dropLast()) + [total], data: []) }
    var out = uninitializedFloats(rows * total)
    // Each output row is written whole, front to back, from every input in turn: one sweep over
    // the output instead of one per input (DenseNet concatenates 2 inputs of very unequal widths).
    withBasePointers(inputs) { sources in
        out.withUnsafeMutableBufferPointer { o in
            let ob = o.baseAddress!
            parallelChunks(rows, minChunk: max(1, (1 << 14) / max(1, total))) { r in
                for row in r {
                    var dst = ob + row * total
                    for (source, width) in zip(sources, widths) where width > 0 {
                        dst.update(from: source! + row * width, count: width)
                        dst += width
                    }
                }
            }
        }
    }
    return Tensor(shape: Array(inputs[0].shape.dropLast()) + [total], data: out)
}

/// Calls `body` with the base addresses of every tensor's values (nil for an empty one), valid
/// for the duration of the call.
func withBasePointers<R>(_ tensors: [Tensor], _ body: ([UnsafePointer<Float>?]) -> R) -> R {
    func nest(_ i: Int, _ acc: [UnsafePointer<Float>?]) -> R {
        guard i < tensors.count else { return body(acc) }
        return tensors[i].data.withUnsafeBufferPointer { nest(i + 1, acc + [$0.baseAddress]) }
    }
    return nest(0, [])
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
    // Two operands, one of the output's shape: one pass writing x * gate (a product of two
    // floats does not depend on their order, so this equals the general loop below).
    if inputs.count == 2, let (full, gate) = channelGateOperands(inputs[0], inputs[1], shape) {
        let x = inputs[full]
        let data = [Float](unsafeUninitializedCapacity: x.count) { p, initialized in
            x.data.withUnsafeBufferPointer { xp in
                if let gate {
                    multiplyChannelGate(xp.baseAddress!, p.baseAddress!, shape: shape, gate: inputs[gate])
                } else {
                    multiplyElementwise(xp.baseAddress!, inputs[1 - full], p.baseAddress!)
                }
            }
            initialized = x.count
        }
        return Tensor(shape: shape, data: data)
    }
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

/// `multiplyBroadcast` for a caller that gives up its inputs: the product is written over the
/// operand that has the output's shape, so when the caller held its only reference nothing is
/// allocated or copied (squeeze-and-excitation's gate applied to a tensor used nowhere else).
/// `reusable` says which inputs the caller held the only reference to; the others are copied
/// first (copy-on-write) if written, so the product is then made into a new tensor instead.
public func multiplyBroadcastInPlace(_ inputs: inout [Tensor], reusable: [Bool]) -> Tensor {
    let shape = broadcastShape(inputs.map(\.shape))!
    guard inputs.count == 2, var (full, gate) = channelGateOperands(inputs[0], inputs[1], shape), inputs[full].count > 0 else {
        return multiplyBroadcast(inputs)
    }
    if gate == nil && !reusable[full] { full = 1 - full }
    guard reusable[full] else { return multiplyBroadcast(inputs) }
    var x = inputs.take(full)
    let other = inputs[1 - full]
    x.data.withUnsafeMutableBufferPointer { p in
        if let gate {
            multiplyChannelGate(p.baseAddress!, p.baseAddress!, shape: shape, gate: inputs[gate])
        } else {
            multiplyElementwise(p.baseAddress!, other, p.baseAddress!)
        }
    }
    return x
}

/// For a product of a and b broadcast to `shape`: which one has `shape` (full), and the other's
/// index when it is a per-channel gate ([N or 1, 1, ..., 1, C]), nil when it has `shape` too.
/// nil when neither fits these two cases.
private func channelGateOperands(_ a: Tensor, _ b: Tensor, _ shape: [Int]) -> (full: Int, gate: Int?)? {
    let full = a.shape == shape ? 0 : (b.shape == shape ? 1 : nil)
    guard let full else { return nil }
    let other = full == 0 ? b : a
    if other.shape == shape { return (full, nil) }
    guard shape.count >= 2, other.shape.last == shape.last, other.shape[0] == shape[0] || other.shape[0] == 1,
          other.shape.dropFirst().dropLast().allSatisfy({ $0 == 1 }) else { return nil }
    return (full, 1 - full)
}

/// dst = src * gate broadcast over the middle axes of `shape` ([N, ..., C]); dst may be src.
private func multiplyChannelGate(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, shape: [Int], gate: Tensor) {
    let (n, c) = (shape[0], shape[shape.count - 1])
    let pixels = shape.dropFirst().dropLast().reduce(1, *)
    guard c > 0, n * pixels > 0 else { return }
    let perImage = gate.shape[0] != 1
    gate.data.withUnsafeBufferPointer { gp in
        let g = gp.baseAddress!
        parallelChunks(n * pixels, minChunk: max(1, (1 << 15) / c)) { rows in
            var row = rows.lowerBound
            while row < rows.upperBound {
                let image = row / pixels, end = min(rows.upperBound, (image + 1) * pixels)
                zoo_mul_rows(src + row * c, g + (perImage ? image * c : 0), dst + row * c, end - row, Int32(c))
                row = end
            }
        }
    }
}

/// dst = src * other elementwise (same count); dst may be src.
private func multiplyElementwise(_ src: UnsafePointer<Float>, _ other: Tensor, _ dst: UnsafeMutablePointer<Float>) {
    other.data.withUnsafeBufferPointer { op in
        let o = op.baseAddress!
        parallelChunks(other.count, minChunk: 1 << 15) { r in
            zoo_mul_rows(src + r.lowerBound, o + r.lowerBound, dst + r.lowerBound, 1, Int32(r.count))
        }
    }
}

/// `g` [shape] summed over the axes where `target` has size 1: the gradient of a broadcast input.
public func reduceBroadcast(_ g: Tensor, to target: [Int]) -> Tensor {
    guard g.shape != target else { return g }
    var out = [Float](repeating: 0, count: target.reduce(1, *))
    g.data.withUnsafeBufferPointer { s in forEachBroadcast(g.shape, target) { o, i in out[i] += s[o] } }
    return Tensor(shape: target, data: out)
}
