import Foundation
import ZooTensor

/// Keras `Dropout`: the identity at inference. `noise_shape` (batch axis included, nil where the
/// input's size is taken) shares one keep-or-drop draw along its axes of size 1, as EfficientNet's
/// `noise_shape=(None, 1, 1, 1)` drops whole residual branches per image.
public final class Dropout: Layer, KerasLayer {
    public static let kerasClassName = "Dropout"

    public var rate: Float
    public let noiseShape: [Int?]?

    public init(_ name: String, rate: Float, noiseShape: [Int?]? = nil) {
        self.rate = rate
        self.noiseShape = noiseShape
        super.init(name: name)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        var noiseShape: [Int?]?
        switch c["noise_shape"] {
        case nil: noiseShape = nil
        case let v as [Any]:
            noiseShape = try v.map { item -> Int? in
                if item is NSNull { return nil }
                guard let n = item as? Int, n > 0 else { throw c.problem("cannot read noise_shape") }
                return n
            }
        default: throw c.problem("cannot read noise_shape")
        }
        self.init(name, rate: c.float("rate") ?? 0, noiseShape: noiseShape)
    }

    public override var kerasConfig: [String: any Sendable] {
        ["rate": decimal(rate), "noise_shape": noiseShape]
    }

    public override func build(_ inputShapes: [[Int]]) throws -> [Int] {
        guard rate >= 0 && rate < 1 else {
            throw LayerError.argument(layer: name, problem: "rate \(rate) must be in [0, 1)")
        }
        let shape = try super.build(inputShapes)
        if let noiseShape {
            let full = [1] + shape
            guard noiseShape.count == full.count,
                  zip(noiseShape, full).allSatisfy({ $0.0 == nil || $0.0 == 1 || $0.0 == $0.1 }) else {
                throw LayerError.argument(layer: name, problem: "noise_shape \(noiseShape.map { $0.map(String.init) ?? "None" }) does not broadcast to the input \(shape)")
            }
        }
        return shape
    }

    /// The mask's random stream; seeded by the trainer and saved in checkpoints.
    public var generator = SeededGenerator(seed: 0)
    private var mask: Tensor?

    /// x [N,...] -> [N,...]. Inverted dropout, as Keras: keep with probability 1 - rate and scale
    /// by 1 / (1 - rate), so inference is the identity.
    public override func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        guard training, rate > 0 else { return inputs[0] }
        let x = inputs[0]
        let shape = noiseShape.map { zip($0, x.shape).map { $0.0 ?? $0.1 } } ?? x.shape
        let m = Tensor(shape: shape, data: dropoutMask(count: shape.reduce(1, *), rate: rate, state: &generator.state))
        mask = m
        return shape == x.shape ? multiplied(x, by: m.data) : multiplyBroadcast([x, m])
    }

    public override var differentiable: Bool { true }

    /// dy [N,...] -> dx [N,...], through the last training forward's mask.
    public override func backward(_ dy: Tensor) -> [Tensor] {
        guard rate > 0, let mask, mask.shape.count == dy.shape.count else { return [dy] }
        if mask.shape == dy.shape { return [multiplied(dy, by: mask.data)] }
        return [multiplyBroadcast([dy, mask])]
    }
}
