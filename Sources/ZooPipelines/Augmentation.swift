import Foundation
import ZooLayers

/// The data augmentation of a training run, as `--augment flip,rotation=0.1,zoom=0.1` names it:
/// Keras's RandomFlip, RandomRotation, RandomZoom, RandomTranslation and RandomContrast layers in
/// the order given, in front of the model being trained (the transfer-learning guide's
/// `data_augmentation` block). They are the identity at inference, so exports leave them out.
public struct Augmentation: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case flip(RandomFlip.Mode)
        case rotation(Float)
        case zoom(Float)
        case translation(Float)
        case contrast(Float)
    }

    public var steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// Parses `flip[=horizontal|vertical|horizontal_and_vertical]`, `rotation=F`, `zoom=F`,
    /// `translation=F`, `contrast=F`, comma-separated; each factor as the Keras layer takes it.
    public init(parsing text: String) throws {
        var steps: [Step] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            let (name, value) = (parts[0], parts.count > 1 ? parts[1] : nil)
            if name == "flip" {
                guard let mode = RandomFlip.Mode(rawValue: value ?? RandomFlip.Mode.horizontalAndVertical.rawValue) else {
                    throw AugmentationError("flip takes horizontal, vertical or horizontal_and_vertical, not \(value!)")
                }
                steps.append(.flip(mode))
                continue
            }
            let known: [String: (Float) -> Step] = ["rotation": Step.rotation, "zoom": Step.zoom, "translation": Step.translation,
                                                    "contrast": Step.contrast]
            guard let make = known[name] else {
                throw AugmentationError("unknown augmentation '\(item)' (use flip, rotation=F, zoom=F, translation=F, contrast=F)")
            }
            // Keras's bounds: a rotation up to a full turn, zoom and translation below 100%, contrast 0 to 1.
            guard let value, let f = Float(value), f.isFinite, f > 0, name == "rotation" || name == "contrast" ? f <= 1 : f < 1 else {
                throw AugmentationError("\(name) takes a factor in (0, 1\(name == "rotation" || name == "contrast" ? "]" : ")"), e.g. \(name)=0.1")
            }
            steps.append(make(f))
        }
        guard Set(steps.map(\.kind)).count == steps.count else { throw AugmentationError("each augmentation may be given once: \(text)") }
        self.steps = steps
    }

    /// The canonical spelling, for run descriptions and reports.
    public var description: String {
        steps.map { step in
            switch step {
            case let .flip(mode): return "flip=\(mode.rawValue)"
            case let .rotation(f): return "rotation=\(f)"
            case let .zoom(f): return "zoom=\(f)"
            case let .translation(f): return "translation=\(f)"
            case let .contrast(f): return "contrast=\(f)"
            }
        }.joined(separator: ",")
    }

    /// Fresh layers, named as Keras names them; the trainer seeds their random streams.
    public func layers() -> [Layer] {
        steps.map { step -> Layer in
            switch step {
            case let .flip(mode): return RandomFlip("random_flip", mode: mode)
            case let .rotation(f): return RandomRotation("random_rotation", factor: f)
            case let .zoom(f): return RandomZoom("random_zoom", factor: f)
            case let .translation(f): return RandomTranslation("random_translation", factor: f)
            case let .contrast(f): return RandomContrast("random_contrast", factor: f)
            }
        }
    }

    /// `model` with the augmentation layers in front: the model to train. It shares `model`'s
    /// layers, so `model` holds what is learnt.
    public func trainingModel(_ model: Model) throws -> Model {
        let front = Model(name: "data_augmentation")
        var x = try front.input(model.nodes[0].layer.name, shape: model.inputShape)
        for layer in layers() { x = try front(layer, x) }
        return try Model.chain(name: model.name, [front, model])
    }
}

extension Augmentation.Step {
    var kind: String {
        switch self {
        case .flip: return "flip"
        case .rotation: return "rotation"
        case .zoom: return "zoom"
        case .translation: return "translation"
        case .contrast: return "contrast"
        }
    }
}

/// An `--augment` list that cannot be read.
public struct AugmentationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "--augment: " + description }
}
