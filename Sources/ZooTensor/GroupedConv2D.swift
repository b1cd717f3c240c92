import Foundation

/// How a grouped convolution (Keras `Conv2D(groups=G)`) runs, decided once from its shapes:
/// x [N,H,W,C] * kernel [KH,KW,C/G,F] -> [N,OH,OW,F], output channels g*F/G ..< (g+1)*F/G seeing
/// only input channels g*C/G ..< (g+1)*C/G. With one input channel per group (ConvNeXt's 7x7,
/// groups = channels) the HWIO kernel [KH,KW,1,F] has the layout of a depthwise kernel
/// [KH,KW,C,F/C] (output channel c*M + j from channel c), so the vectorised depthwise kernel runs
/// it; otherwise each group runs through its own `Conv2DPlan` (BLAS), whose prepared weights
/// then always belong to that one group.
public final class GroupedConv2DPlan: @unchecked Sendable, CustomStringConvertible {
    public let groups: Int
    /// [H, W, C] and [KH, KW, C/G, F].
    public let input: [Int], kernel: [Int]
    public let strides: (Int, Int)
    public let padding: Padding
    /// One plan per group, empty when the depthwise kernel runs the convolution.
    public let groupPlans: [Conv2DPlan]

    public init(policy: ConvPolicy, input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding, groups: Int) {
        precondition(groups > 1 && input[2] % groups == 0 && kernel[3] % groups == 0 && kernel[2] == input[2] / groups,
                     "grouped conv2d: input \(input), kernel \(kernel), \(groups) groups")
        self.groups = groups
        self.input = input
        self.kernel = kernel
        self.strides = strides
        self.padding = padding
        if kernel[2] == 1 {
            groupPlans = []
        } else {
            let groupInput = [input[0], input[1], input[2] / groups]
            let groupKernel = [kernel[0], kernel[1], kernel[2], kernel[3] / groups]
            groupPlans = (0..<groups).map { _ in policy.plan(input: groupInput, kernel: groupKernel, strides: strides, padding: padding) }
        }
    }

    public var depthwise: Bool { groupPlans.isEmpty }

    public var description: String {
        depthwise ? "\(groups) groups of one channel: depthwise kernel"
            : "\(groups) groups, each \(groupPlans[0].description)"
    }

    /// x [N,H,W,C] -> [N,OH,OW,F]; `kernelVersion` names the kernel's values as for `Conv2DPlan`.
    public func callAsFunction(_ x: Tensor, kernel: Tensor, kernelVersion: Int, bias: [Float]?) -> Tensor {
        let (kh, kw, cg, f) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        if depthwise {
            return depthwiseConv2dForward(x, kernel: kernel.reshaped([kh, kw, groups, f / groups]), bias: bias,
                                          strides: strides, padding: padding)
        }
        let fg = f / groups
        var out: Tensor?
        for (g, plan) in groupPlans.enumerated() {
            let y = plan(sliceChannels(x, g * cg..<(g + 1) * cg), kernel: sliceChannels(kernel, g * fg..<(g + 1) * fg),
                         kernelVersion: kernelVersion, bias: bias.map { Array($0[g * fg..<(g + 1) * fg]) })
            if out == nil { out = Tensor(zeros: Array(y.shape.dropLast()) + [f]) }
            setChannels(&out!, g * fg, from: y)
        }
        return out!
    }
}

/// Grouped convolution backward: x [N,H,W,C], kernel [KH,KW,C/G,F], dy [N,OH,OW,F] -> dx
/// [N,H,W,C] (nil unless asked for), dKernel [KH,KW,C/G,F], dBias [F]; the depthwise kernel's
/// backward for one channel per group, else `conv2dBackward` per group.
public func groupedConv2dBackward(
    _ x: Tensor, kernel: Tensor, dy: Tensor, strides: (Int, Int), padding: Padding, groups: Int, needInputGradient: Bool
) -> (dx: Tensor?, dKernel: Tensor, dBias: [Float]) {
    let (kh, kw, cg, f) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
    if cg == 1 {
        let g = depthwiseConv2dBackward(x, kernel: kernel.reshaped([kh, kw, groups, f / groups]), dy: dy, strides: strides,
                                        padding: padding, needInputGradient: needInputGradient)
        return (g.dx, g.dKernel.reshaped(kernel.shape), g.dBias)
    }
    let fg = f / groups
    var dx = needInputGradient ? Tensor(zeros: x.shape) : nil
    var dKernel = Tensor(zeros: kernel.shape), dBias = [Float](repeating: 0, count: f)
    for g in 0..<groups {
        let part = conv2dBackward(sliceChannels(x, g * cg..<(g + 1) * cg), kernel: sliceChannels(kernel, g * fg..<(g + 1) * fg),
                                  dy: sliceChannels(dy, g * fg..<(g + 1) * fg), strides: strides, padding: padding,
                                  needInputGradient: needInputGradient)
        if let partDx = part.dx { setChannels(&dx!, g * cg, from: partDx) }
        setChannels(&dKernel, g * fg, from: part.dKernel)
        dBias.replaceSubrange(g * fg..<(g + 1) * fg, with: part.dBias)
    }
    return (dx, dKernel, dBias)
}

/// The channels `range` of the last axis: [..., C] -> [..., range.count].
public func sliceChannels(_ x: Tensor, _ range: Range<Int>) -> Tensor {
    let c = x.shape.last!, k = range.count, rows = x.count / max(c, 1)
    var out = [Float](repeating: 0, count: rows * k)
    x.data.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                (o.baseAddress! + r * k).update(from: p.baseAddress! + r * c + range.lowerBound, count: k)
            }
        }
    }
    return Tensor(shape: Array(x.shape.dropLast()) + [k], data: out)
}

/// Writes `part` [..., K] into the channels start ..< start + K of `x` [..., C].
public func setChannels(_ x: inout Tensor, _ start: Int, from part: Tensor) {
    let c = x.shape.last!, k = part.shape.last!, rows = x.count / max(c, 1)
    precondition(part.count == rows * k && start + k <= c, "channels: \(part.shape) into \(x.shape) at \(start)")
    x.data.withUnsafeMutableBufferPointer { o in
        part.data.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                (o.baseAddress! + r * c + start).update(from: p.baseAddress! + r * k, count: k)
            }
        }
    }
}
