import ZooTensor

/// Keras `RandomFlip`: in training each image is flipped with probability 1/2; with
/// "horizontal_and_vertical" (Keras's default) one draw flips both axes together, as Keras 3 does.
public final class RandomFlip: BaseImagePreprocessingLayer, KerasLayer {
    public static let kerasClassName = "RandomFlip"

    public enum Mode: String, Sendable, CaseIterable {
        case horizontal, vertical
        case horizontalAndVertical = "horizontal_and_vertical"
    }

    public let mode: Mode

    public init(_ name: String, mode: Mode = .horizontalAndVertical, seed: Int? = nil) {
        self.mode = mode
        super.init(name, seed: seed)
    }

    public convenience init(name: String, config c: KerasLayerConfig) throws {
        guard let mode = Mode(rawValue: c["mode"] as? String ?? Mode.horizontalAndVertical.rawValue) else {
            throw c.problem("mode must be one of \(Mode.allCases.map(\.rawValue))")
        }
        try c.requireChannelsLast()
        self.init(name, mode: mode, seed: configSeed(c))
    }

    public override var kerasConfig: [String: any Sendable] { ["mode": mode.rawValue, "seed": seed] }

    /// One draw per image: flipped when it is <= 0.5.
    public func draw(batch: Int) -> [Bool] { (0..<batch).map { _ in uniform(0, 1) <= 0.5 } }

    public override func augment(_ x: Tensor) -> Tensor { flip(x, flips: draw(batch: x.shape[0])) }

    /// x [N,H,W,C] with image i flipped (by `mode`) where `flips[i]`.
    public func flip(_ x: Tensor, flips: [Bool]) -> Tensor {
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        let (horizontal, vertical) = (mode != .vertical, mode != .horizontal)
        var y = x
        for (b, flipped) in flips.enumerated() where flipped {
            let base = b * h * w * c
            for row in 0..<h {
                let sourceRow = vertical ? h - 1 - row : row
                for col in 0..<w {
                    let sourceCol = horizontal ? w - 1 - col : col
                    for ch in 0..<c {
                        y.data[base + (row * w + col) * c + ch] = x.data[base + (sourceRow * w + sourceCol) * c + ch]
                    }
                }
            }
        }
        return y
    }
}
