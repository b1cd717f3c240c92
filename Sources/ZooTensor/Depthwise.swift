import CKernels

/// Depthwise convolution forward (Keras `DepthwiseConv2D`): x [N,H,W,C], kernel [KH,KW,C,M]
/// (`depthwise_kernel`), bias [C*M] -> [N,OH,OW,C*M], output channel c*M + j from input channel c,
/// then `activation` (inference fusion; the training paths pass none). Each output pixel sums its
/// taps channel-wise, vectorised over channels; a per-channel GEMM would be C matrix products of
/// one column each. For M = 1 `zoo_depthwise_forward_act` also shares each kernel tap between 4
/// neighbouring pixels and applies the activation in registers; its sums are the reference's, in
/// the same order. `zeroPadding` (M = 1 only) is a ZeroPadding2D before the convolution, done
/// by skipping the taps that would fall on it instead of copying the input; `inputReLU` (M = 1
/// only) convolves relu(x) without making it.
public func depthwiseConv2dForward(_ x: Tensor, kernel: Tensor, bias: [Float]?, strides: (Int, Int),
                                   padding: Padding, activation: FusedActivation = .linear,
                                   zeroPadding: (top: Int, bottom: Int, left: Int, right: Int) = (0, 0, 0, 0),
                                   inputReLU: Bool = false) -> Tensor {
    let m = kernel.shape[3]
    guard m == 1 else {
        precondition(zeroPadding == (0, 0, 0, 0) && !inputReLU,
                     "depthwise: zero padding and an input ReLU are fused for depth_multiplier 1 only")
        var y = depthwiseConv2dForwardReference(x, kernel: kernel, bias: bias, strides: strides, padding: padding)
        applyFusedActivation(activation, &y)
        return y
    }
    let (kh, kw, c) = (kernel.shape[0], kernel.shape[1], kernel.shape[2])
    precondition(x.rank == 4 && x.shape[3] == c, "depthwise: input \(x.shape) does not match kernel \(kernel.shape)")
    let padded = [x.shape[0], x.shape[1] + zeroPadding.top + zeroPadding.bottom,
                  x.shape[2] + zeroPadding.left + zeroPadding.right, c]
    let g = WindowGeometry(input: padded, kernel: (kh, kw), strides: strides, padding: padding)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let (padTop, padLeft) = (g.rows.padBefore + zeroPadding.top, g.cols.padBefore + zeroPadding.left)
    let rows = g.batch * oh
    let (code, cap) = (activation.code, activation.cap)
    let out = [Float](unsafeUninitializedCapacity: rows * ow * c) { o, initialized in
        x.data.withUnsafeBufferPointer { xp in
            kernel.data.withUnsafeBufferPointer { kp in
                let (ob, xb, kb) = (o.baseAddress, xp.baseAddress, kp.baseAddress!)
                withOptionalBuffer(bias) { bp in
                    parallelChunks(rows, minChunk: max(1, (1 << 14) / max(1, ow * c * kh * kw / 8))) { r in
                        zoo_depthwise_forward_act(xb, Int32(x.shape[1]), Int32(x.shape[2]), Int32(c), kb, Int32(kh),
                                                  Int32(kw), bp, Int32(strides.0), Int32(strides.1),
                                                  Int32(padTop), Int32(padLeft), Int32(oh), Int32(ow), inputReLU ? 1 : 0,
                                                  code, cap, r.lowerBound, r.upperBound, ob)
                    }
                }
            }
        }
        initialized = rows * ow * c
    }
    return Tensor(shape: [g.batch, oh, ow, c], data: out)
}

/// The depthwise forward one pixel at a time (`zoo_depthwise_forward`), any depth multiplier:
/// what `depthwiseConv2dForward` runs for M > 1, and its reference in tests.
public func depthwiseConv2dForwardReference(_ x: Tensor, kernel: Tensor, bias: [Float]?, strides: (Int, Int),
                                            padding: Padding) -> Tensor {
    let (kh, kw, c, m) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    precondition(x.rank == 4 && x.shape[3] == c, "depthwise: input \(x.shape) does not match kernel \(kernel.shape)")
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    let (oh, ow) = (g.rows.output, g.cols.output)
    let rows = g.batch * oh
    let out = [Float](unsafeUninitializedCapacity: rows * ow * c * m) { o, initialized in
        x.data.withUnsafeBufferPointer { xp in
            kernel.data.withUnsafeBufferPointer { kp in
                let (ob, xb, kb) = (o.baseAddress, xp.baseAddress, kp.baseAddress!)
                withOptionalBuffer(bias) { bp in
                    parallelChunks(rows, minChunk: max(1, (1 << 14) / max(1, ow * c * m * kh * kw / 8))) { r in
                        zoo_depthwise_forward(xb, Int32(x.shape[1]), Int32(x.shape[2]), Int32(c), Int32(m), kb,
                                              Int32(kh), Int32(kw), bp, Int32(strides.0), Int32(strides.1),
                                              Int32(g.rows.padBefore), Int32(g.cols.padBefore), Int32(oh), Int32(ow),
                                              r.lowerBound, r.upperBound, ob)
                    }
                }
            }
        }
        initialized = rows * ow * c * m
    }
    return Tensor(shape: [g.batch, oh, ow, c * m], data: out)
}

/// Depthwise convolution backward: given x [N,H,W,C], kernel [KH,KW,C,M] and dy [N,OH,OW,C*M],
/// returns dx [N,H,W,C] (nil unless asked for), dKernel [KH,KW,C,M] and dBias [C*M]. dx is
/// gathered per input row, so rows run in parallel; the weight gradients are summed over up to
/// 16 fixed parts of the output rows in parallel, then the parts' sums are added in order, so
/// the result does not depend on how many threads ran.
public func depthwiseConv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, needInputGradient: Bool
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    let (kh, kw, c, m) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    let g = WindowGeometry(input: x.shape, kernel: (kh, kw), strides: strides, padding: padding)
    let (n, h, w, oh, ow) = (g.batch, x.shape[1], x.shape[2], g.rows.output, g.cols.output)
    precondition(dy.shape == [n, oh, ow, c * m], "depthwise backward: dy \(dy.shape) != \([n, oh, ow, c * m])")
    let geometry = (Int32(h), Int32(w), Int32(c), Int32(m), Int32(kh), Int32(kw), Int32(strides.0), Int32(strides.1),
                    Int32(g.rows.padBefore), Int32(g.cols.padBefore), Int32(oh), Int32(ow))
    var dx: Tensor?
    if needInputGradient {
        let data = [Float](unsafeUninitializedCapacity: x.count) { d, initialized in
            dy.data.withUnsafeBufferPointer { gp in
                kernel.data.withUnsafeBufferPointer { kp in
                    let (db, gb, kb) = (d.baseAddress, gp.baseAddress, kp.baseAddress!)
                    parallelChunks(n * h, minChunk: 4) { r in
                        let s = geometry
                        zoo_depthwise_input_grad(gb, s.0, s.1, s.2, s.3, kb, s.4, s.5, s.6, s.7, s.8, s.9, s.10, s.11,
                                                 r.lowerBound, r.upperBound, db)
                    }
                }
            }
            initialized = x.count
        }
        dx = Tensor(shape: x.shape, data: data)
    }
    let rows = n * oh, size = kernel.count + c * m
    let parts = min(16, max(1, rows / 4))
    var partial = [Float](repeating: 0, count: parts * size)
    x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { gp in
            partial.withUnsafeMutableBufferPointer { pp in
                let (xb, gb, pb) = (xp.baseAddress, gp.baseAddress, pp.baseAddress!)
                parallelTasks(parts) { t in
                    let s = geometry, own = pb + t * size
                    zoo_depthwise_filter_grad(xb, s.0, s.1, s.2, s.3, gb, s.4, s.5, s.6, s.7, s.8, s.9, s.10, s.11,
                                              rows * t / parts, rows * (t + 1) / parts, own, own + kernel.count)
                }
            }
        }
    }
    var sum = Array(partial[0..<size])
    for t in 1..<parts { for i in 0..<size { sum[i] += partial[t * size + i] } }
    return (dx, Tensor(shape: kernel.shape, data: Array(sum[0..<kernel.count])), Array(sum[kernel.count...]))
}

/// The base address of `values`, or nil for nil (C's optional pointer arguments).
func withOptionalBuffer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
