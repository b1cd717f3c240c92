import Foundation

/// How one convolution runs: its algorithm and GEMM, chosen once from its shapes (by
/// `ConvPolicy.plan`, or forced by a test), and the weights prepared for them (packed, or
/// Winograd-transformed), kept until the kernel's version changes. Calls with any batch size
/// run the same algorithm; only how the work splits over the cores depends on the batch.
public final class Conv2DPlan: @unchecked Sendable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, CaseIterable {
        /// Each output pixel accumulated over its taps, 64 output channels at a time (CKernels):
        /// for few input channels, where im2col rows are too short for a GEMM to run well.
        case direct
        /// 1x1 stride 1: one GEMM on the activations themselves, with the epilogue (bias, the
        /// residual of a fused ResNet Add, ReLU) in cache.
        case gemm1x1
        /// im2col and a GEMM: in cache-sized tiles spread over the cores (each tile's im2col, GEMM
        /// and epilogue while hot) when the kernel is small and there are enough output pixels,
        /// else in tiles of bounded memory.
        case im2col
        /// Winograd F(4x4, 3x3) (`Winograd.swift`).
        case winograd
        /// Padding taps skipped, one packed GEMM per kernel tap and output pixel over the batch.
        case tapByTap
        /// Padding taps skipped, one GEMM per group of output pixels with the same valid taps.
        case skipPadding

        /// Whether this algorithm computes convolutions of these shapes with this GEMM (nil: none,
        /// for `direct`).
        public func supports(_ s: Conv2DShape, gemm: Gemm?) -> Bool {
            let (kh, kw, cin, cout) = (s.kernel[0], s.kernel[1], s.kernel[2], s.kernel[3])
            switch self {
            case .direct: return gemm == nil && cout % 16 == 0
            case .gemm1x1: return gemm != nil && kh == 1 && kw == 1 && s.strides == (1, 1)
            case .im2col: return gemm != nil
            case .winograd:
                return gemm != nil && kh == 3 && kw == 3 && s.strides == (1, 1) && cin % winogradLanes == 0
                    && cout % winogradLanes == 0
            case .tapByTap: return gemm == .packed
            case .skipPadding: return gemm == .openblas
            }
        }
    }

    /// The GEMM that multiplies the weights.
    public enum Gemm: String, Sendable, CustomStringConvertible {
        /// CKernels' AVX-512 GEMM on weights packed once per version.
        case packed
        /// OpenBLAS, which packs its right-hand matrix on every call.
        case openblas

        public var description: String { self == .packed ? "packed GEMM" : "OpenBLAS" }
    }

    public let algorithm: Algorithm
    /// nil for `direct`, which multiplies without a GEMM.
    public let gemm: Gemm?
    public let shape: Conv2DShape
    /// The policy that chose this plan; nil when the algorithm was forced.
    public let policy: ConvPolicy?

    /// im2col only: whether tiles are cache-sized and spread over the cores (the kernel's
    /// [K, O] matrix is small enough to stay in cache beside a tile) when a batch has enough
    /// output pixels.
    let cacheTiles: Bool
    /// skipPadding only: the output pixels of each window of valid taps (rows, columns).
    let tapWindows: [(rows: TapGroup, cols: TapGroup)]

    private let lock = NSLock()
    private var preparedVersion: Int?
    private var preparedWeights: [[Float]] = []

    /// A plan for `algorithm` with `gemm`, which must support the shapes (`Algorithm.supports`).
    public init(_ algorithm: Algorithm, gemm: Gemm?, shape: Conv2DShape, policy: ConvPolicy? = nil) {
        precondition(algorithm.supports(shape, gemm: gemm),
                     "conv2d: \(algorithm) with \(gemm?.description ?? "no GEMM") cannot compute \(shape)")
        precondition(gemm != .packed || packedGemmAvailable, "conv2d: this CPU has no AVX-512 for the packed GEMM")
        self.algorithm = algorithm
        self.gemm = gemm
        self.shape = shape
        self.policy = policy
        let k = shape.kernel[0] * shape.kernel[1] * shape.kernel[2]
        cacheTiles = algorithm == .im2col && k * shape.filters <= 1 << 18
        let g = shape.geometry
        tapWindows = algorithm == .skipPadding
            ? tapGroups(g.rows).flatMap { r in tapGroups(g.cols).map { (r, $0) } } : []
    }

    /// For `zoo bench --profile`: "winograd F(4x4,3x3), packed GEMM".
    public var description: String {
        let what: String
        switch algorithm {
        case .direct: return "direct (few input channels)"
        case .gemm1x1: what = "1x1 as one GEMM"
        case .im2col: what = cacheTiles ? "im2col in cache-sized tiles" : "im2col in bounded tiles"
        case .winograd: what = "winograd F(4x4,3x3)"
        case .tapByTap: what = "padding taps skipped, tap by tap"
        case .skipPadding: what = "padding taps skipped, \(tapWindows.count) windows"
        }
        return "\(what), \(gemm!.description)"
    }

    /// The convolution, bias, an optional residual [N,OH,OW,O] (added before the ReLU, as a fused
    /// ResNet Add) and ReLU if asked: x [N,H,W,C] * kernel [KH,KW,C,O] -> [N,OH,OW,O].
    /// `kernelVersion` names the kernel's values: the prepared weights are made again only when
    /// it changes.
    public func callAsFunction(
        _ x: Tensor, kernel: Tensor, kernelVersion: Int, bias: [Float]?, relu: Bool = false, residual: Tensor? = nil
    ) -> Tensor {
        precondition(x.shape.count == 4 && Array(x.shape.dropFirst()) == shape.input && kernel.shape == shape.kernel,
                     "conv2d: planned for inputs \(shape.input) and kernel \(shape.kernel), got \(x.shape) and \(kernel.shape)")
        let g = shape.geometry(batch: x.shape[0])
        let cout = shape.filters
        let outShape = [g.batch, g.rows.output, g.cols.output, cout]
        if let residual {
            precondition(residual.shape == outShape, "conv2d: residual \(residual.shape), output \(outShape)")
            // Only the 1x1 GEMM adds it in its epilogue.
            if algorithm != .gemm1x1 {
                let y = self(x, kernel: kernel, kernelVersion: kernelVersion, bias: bias)
                return addForward([y, residual], relu: relu)
            }
        }
        guard g.outputPixels > 0 && cout > 0 else { return Tensor(zeros: outShape) }
        var out = uninitializedFloats(g.outputPixels * cout)
        let weights = prepared(kernel, version: kernelVersion)
        out.withUnsafeMutableBufferPointer { op in
            let out = op.baseAddress!
            switch algorithm {
            case .direct:
                conv2dForwardDirect(x, kernel: kernel, bias: bias, g: g, relu: relu, out: out)
            case .gemm1x1, .im2col:
                // Tiles that each core runs through im2col, GEMM and epilogue while in cache.
                let tiled = cacheTiles && Parallelism.available > 1 && g.outputPixels >= 4096
                conv2dForwardGemm(x, kernel: kernel, packed: weights.first, bias: bias, g: g, relu: relu,
                                  residual: residual, tiled: tiled, out: out)
            case .winograd:
                conv2dForwardWinograd(x, u: weights[0], packed: gemm == .packed, bias: bias, g: g, cout: cout,
                                      relu: relu, out: out)
            case .tapByTap:
                conv2dForwardTapByTap(x, packedTaps: weights[0], kernel: shape.kernel, bias: bias, g: g, relu: relu,
                                      out: out)
            case .skipPadding:
                conv2dForwardSkippingPadding(x, windows: tapWindows, kernels: weights, cout: cout, bias: bias, g: g,
                                             relu: relu, out: out)
            }
        }
        return Tensor(shape: outShape, data: out)
    }

    /// The weights in the form the algorithm reads, made once per kernel version.
    private func prepared(_ kernel: Tensor, version: Int) -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        if preparedVersion == version { return preparedWeights }
        let (kh, kw, cin, cout) = (shape.kernel[0], shape.kernel[1], shape.kernel[2], shape.kernel[3])
        switch (algorithm, gemm) {
        case (.gemm1x1, .packed), (.im2col, .packed):
            // The kernel as one [KH*KW*C, O] matrix.
            preparedWeights = [kernel.data.withUnsafeBufferPointer { packMatrix($0.baseAddress!, k: kh * kw * cin, n: cout) }]
        case (.winograd, _):
            preparedWeights = [winogradWeights(kernel, packed: gemm == .packed)]
        case (.tapByTap, _):
            preparedWeights = [kernel.data.withUnsafeBufferPointer { packMatrices($0.baseAddress!, count: kh * kw, k: cin, n: cout) }]
        case (.skipPadding, _):
            preparedWeights = tapWindows.map { tapWindowKernel(kernel, rows: $0.rows.taps, cols: $0.cols.taps) }
        default:
            preparedWeights = []  // the kernel as it is
        }
        preparedVersion = version
        return preparedWeights
    }
}
