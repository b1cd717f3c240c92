/// The one rule that picks a convolution's algorithm from its shapes. A layer asks it once, when
/// it is built, and keeps the `Conv2DPlan` it returns; no run decides again, and nothing global
/// changes the choice behind the layer's back (oneDNN's primitive descriptor, XNNPACK's
/// create/setup/run split).
///
/// The choice, first match wins (thresholds measured on VGG16 and ResNet50 at 32 to 224 px):
/// 1. 3x3 stride 1, channels in multiples of 16, maps of `winogradMinMap` and up: Winograd.
/// 2. `same` padding where more than `paddedTapLimit` of the multiply-adds fall on padding (3x3,
///    2x2, 1x1 maps): skip those taps (tap by tap with the packed GEMM, else grouped by window).
/// 3. Few input channels (the RGB first layers) through OpenBLAS: the direct kernel. With the
///    packed GEMM, im2col (147 floats a row for ResNet50's conv1) and a GEMM beat it.
/// 4. 1x1 stride 1: one GEMM on the activations themselves.
/// 5. Otherwise im2col: in cache-sized tiles spread over the cores when the kernel is small
///    enough, else in bounded tiles.
public struct ConvPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Whether products with frozen weights go through CKernels' packed GEMM; false where the CPU
    /// has no AVX-512, whatever was asked.
    public let packedGemm: Bool

    /// `packedGemm: false` runs the OpenBLAS paths on any CPU (for comparisons and tests).
    public init(packedGemm: Bool = true) {
        self.packedGemm = packedGemm && packedGemmAvailable
    }

    /// The packed GEMM where the CPU has AVX-512, else OpenBLAS.
    public static let `default` = ConvPolicy()

    public var gemm: Conv2DPlan.Gemm { packedGemm ? .packed : .openblas }

    public var description: String { "\(gemm.description) policy" }

    /// The smallest output map (rows and columns) that Winograd's whole 4x4 tiles beat skipping
    /// the padding taps on. With the packed GEMM a 3x3 map goes tap by tap instead: measured
    /// faster, and the 36 transformed planes of a 512-channel kernel (36 MiB) no longer stream
    /// from memory for 9 outputs.
    public var winogradMinMap: Int { packedGemm ? 4 : 3 }

    /// Share of multiply-adds on zero padding above which skipping them pays (5 of 9 taps on a
    /// 2x2 map, 0.40 on a 3x3 one, 0.12 on 7x7).
    public static let paddedTapLimit = 0.15

    /// The plan for a convolution of inputs [H, W, C] (any batch) by an HWIO kernel shape.
    public func plan(input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding) -> Conv2DPlan {
        let shape = Conv2DShape(input: input, kernel: kernel, strides: strides, padding: padding)
        let algorithm = algorithm(for: shape)
        return Conv2DPlan(algorithm, gemm: algorithm == .direct ? nil : gemm, shape: shape, policy: self)
    }

    /// Rules 1 to 5 above.
    public func algorithm(for s: Conv2DShape) -> Conv2DPlan.Algorithm {
        let g = s.geometry
        if Conv2DPlan.Algorithm.winograd.supports(s, gemm: gemm)
            && min(g.rows.output, g.cols.output) >= winogradMinMap {
            return .winograd
        }
        if s.padding == .same && paddedTapFraction(g) > Self.paddedTapLimit {
            return packedGemm ? .tapByTap : .skipPadding
        }
        let fewChannels = s.channels <= 4 && Conv2DPlan.Algorithm.direct.supports(s, gemm: nil)
        if fewChannels && !packedGemm { return .direct }
        if Conv2DPlan.Algorithm.gemm1x1.supports(s, gemm: gemm) && !fewChannels { return .gemm1x1 }
        return .im2col
    }
}

/// A convolution's shapes without the batch: what a plan is made from.
public struct Conv2DShape: Sendable, Equatable {
    /// [H, W, C].
    public let input: [Int]
    /// [KH, KW, C, O] (HWIO).
    public let kernel: [Int]
    public let strides: (Int, Int)
    public let padding: Padding

    public init(input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding) {
        precondition(input.count == 3 && kernel.count == 4 && input[2] == kernel[2],
                     "conv2d: input \(input) and kernel \(kernel) do not match")
        self.input = input
        self.kernel = kernel
        self.strides = strides
        self.padding = padding
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.input == b.input && a.kernel == b.kernel && a.strides == b.strides && a.padding == b.padding
    }

    public var channels: Int { input[2] }
    public var filters: Int { kernel[3] }

    /// The window geometry of a batch of `batch` images.
    public func geometry(batch: Int = 1) -> WindowGeometry {
        WindowGeometry(input: [batch] + input, kernel: (kernel[0], kernel[1]), strides: strides, padding: padding)
    }

    var geometry: WindowGeometry { geometry() }
}
