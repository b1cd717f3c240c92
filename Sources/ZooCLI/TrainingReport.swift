import ArgumentParser
import Foundation
import ZooLayers
import ZooPipelines
import ZooTraining

/// `--augment` of the training commands, parsed once.
struct AugmentFlag: ParsableArguments {
    @Option(help: "Data augmentation while training, Keras's layers with their defaults: flip[=horizontal|vertical] (RandomFlip, default horizontal_and_vertical), rotation=F (RandomRotation, F x 360 degrees), zoom=F (RandomZoom), translation=F (RandomTranslation), contrast=F (RandomContrast, Keras 3's range 1 to 1+F), e.g. flip,rotation=0.1. Seeded by --seed. The backbone then runs on every epoch's augmented images (no feature cache); exported models leave the layers out (they are the identity at inference).")
    var augment: String?

    func validate() throws {
        if let augment {
            do { _ = try Augmentation(parsing: augment) } catch { throw ValidationError("\(error)") }
        }
    }

    var augmentation: Augmentation? { try? augment.map(Augmentation.init(parsing:)) }
}

/// The end of a training command with named classes: the model exported for Keras (a `.keras`
/// archive or legacy `.h5` by the output's suffix) with its class names, the history beside it,
/// and (unless JSON was asked for) the test results by class name.
func finishTraining(_ model: Model, history: [EpochRecord], test: Evaluation, classNames: [String], output: String,
                    json: Bool) throws {
    try export(model, history: history, classNames: classNames, to: output)
    guard !json else { return }
    print(String(format: "test accuracy: %.4f", test.accuracy))
    print(String(format: "test loss: %.4f", test.loss))
    print(NamedEvaluation(test, classNames: classNames).table())
    let kind = output.hasSuffix(".keras") ? "Keras 3 .keras archive" : "Keras full model"
    print("model: \(output) (\(kind); history: \(historyPath(output)))")
}
