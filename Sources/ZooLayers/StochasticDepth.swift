import ZooTensor

/// keras.applications ConvNeXt's `StochasticDepth` (a custom class written into files under that
/// name): the identity at inference; in training each sample's residual branch is dropped with
/// probability `drop_path_rate` and kept ones are scaled by 1 / (1 - rate), so the expectation
/// is the identity's. keras.applications only builds it with a non-zero `drop_path_rate`.
public final class StochasticDepth: Layer, KerasLayer {
    public static let kerasClassName = "StochasticDepth"

    public let dropPathRate: Float

    public init(_ name: String, dropPathRate: Float) {
        self.dropPathRate = dropPathRate
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let rate = c.float("drop_path_rate") else { throw c.problem("StochasticDepth without drop_path_rate") }
        self.init(name, dropPathRate: rate)
    }

    public override var kerasConfig: [String: any Sendable] { ["drop_path_rate": decimal(dropPathRate)] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard dropPathRate >= 0 && dropPathRate < 1 else {
            throw LayerError.argument(layer: name, problem: "drop_path_rate \(dropPathRate) must be in [0, 1)")
        }
        return try super.build(inputShapes)
    }

    /// The samples' random stream, as Dropout's.
    public var generator = SeededGenerator(seed: 0)
    private var mask: [Float] = []

    /// x [N,...] -> [N,...]: per sample, 0 or 1 / (1 - rate) in training, the identity otherwise.
    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        let x = inputs[0]
        guard training, dropPathRate > 0, let n = x.shape.first, n > 0 else {
            mask = []
            return x
        }
        // One draw per sample from Dropout's masks: kept (1 / keep) or dropped (0).
        let perSample = dropoutMask(count: n, rate: dropPathRate, state: &generator.state)
        let each = x.count / n
        mask = perSample.flatMap { [Float](repeating: $0, count: each) }
        return multiplied(x, by: mask)
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx [N,...], through the last training forward's per-sample mask.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        guard mask.count == dy.count else { return [dy] }
        return [multiplied(dy, by: mask)]
    }
}
