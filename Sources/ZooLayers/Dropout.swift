import ZooTensor

/// Keras `Dropout`: the identity at inference.
public final class Dropout: Layer, KerasLayer {
    public static let kerasClassName = "Dropout"

    public var rate: Float

    public init(_ name: String, rate: Float) {
        self.rate = rate
        super.init(name: name)
    }

    public convenience init(name: String, config: KerasLayerConfig) throws {
        self.init(name, rate: config.float("rate") ?? 0)
    }

    public override var kerasConfig: [String: any Sendable] { ["rate": decimal(rate)] }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard rate >= 0 && rate < 1 else {
            throw LayerError.argument(layer: name, problem: "rate \(rate) must be in [0, 1)")
        }
        return try super.build(inputShapes)
    }

    /// The mask's random stream; seeded by the trainer and saved in checkpoints.
    public var generator = SeededGenerator(seed: 0)
    private var mask: [Float] = []

    /// x [N,...] -> [N,...]. Inverted dropout, as Keras: keep with probability 1 - rate and scale
    /// by 1 / (1 - rate), so inference is the identity.
    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training, rate > 0 else { return inputs[0] }
        mask = dropoutMask(count: inputs[0].count, rate: rate, state: &generator.state)
        return multiplied(inputs[0], by: mask)
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx [N,...], through the last training forward's mask.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        guard rate > 0, mask.count == dy.count else { return [dy] }
        return [multiplied(dy, by: mask)]
    }
}
