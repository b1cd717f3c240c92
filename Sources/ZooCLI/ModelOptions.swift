import ArgumentParser
import Foundation
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines

extension Pooling: ExpressibleByArgument {}

/// Input size, top and pooling of a catalogue backbone.
struct ShapeOptions: ParsableArguments {
    @Option(help: "Input height and width in pixels (at least 32; 224 with --include-top).")
    var size: Int = 224

    @Flag(help: "Keep the ImageNet classifier (Flatten/fc1/fc2 for VGG16, avg_pool for ResNet50, then the 1000-way predictions).")
    var includeTop = false

    @Option(help: ArgumentHelp(alphaHelp))
    var alpha: Double?

    @Flag(help: ArgumentHelp(minimalisticHelp))
    var minimalistic = false

    @Option(help: "What follows the convolutional base without the top: none, avg or max (Keras's `pooling`).")
    var pooling: Pooling = .none

    /// --size, --include-top and --alpha against a catalogue model's limits, as a usage error
    /// before any work (the from-scratch models have a fixed input and ignore the first two).
    func check(for model: String) throws {
        if catalogue.contains(where: { $0.name == model.lowercased() }) {
            try checkBackboneSize(model, size: size, includeTop: includeTop)
        }
        try checkAlphaOption(model, alpha)
        try checkMinimalisticOption(model, alpha: alpha, minimalistic)
    }
}

extension ShapeOptions {
    /// The catalogue entry these flags pick: the alpha, the minimalistic variant, and the size
    /// (which picks MobileNet's weight file).
    func entry(_ model: String) throws -> CatalogueEntry {
        try catalogueEntry(model).resolved(alpha: alpha, minimalistic: minimalistic, size: size)
    }
}

/// The catalogue's models for help texts, so a new entry needs no edit of them.
let catalogueModelList = catalogue.map(\.name).joined(separator: ", ")

/// The --alpha help: the values each model that takes one allows, from the catalogue.
let alphaHelp = "Keras's alpha, the width multiplier, where official weights exist: "
    + catalogue.filter { !$0.alphas.isEmpty }.map { "\($0.alphas.map { "\($0)" }.joined(separator: ", ")) for \($0.name)" }
        .joined(separator: "; ")
    + " (default 1.0). Other models take none."

/// The --minimalistic help, from the catalogue.
let minimalisticHelp = "Keras's minimalistic variant (no squeeze-and-excite, ReLU instead of hard_swish, 3x3 depthwise kernels) of "
    + AlphaError.minimalisticModels + ", with official weights at alpha "
    + Set(catalogue.flatMap(\.minimalisticAlphas)).sorted().map { "\($0)" }.joined(separator: ", ") + " only. Other models take none."

/// A usage error (status 64) for --minimalistic on a model that does not take it, or at an
/// alpha without its weights.
func checkMinimalisticOption(_ model: String, alpha: Double?, _ minimalistic: Bool) throws {
    guard minimalistic else { return }
    guard let entry = catalogue.first(where: { $0.name == model.lowercased() }) else {
        throw ValidationError("\(model) takes no --minimalistic; only \(AlphaError.minimalisticModels) do")
    }
    do {
        _ = try entry.resolved(alpha: alpha, minimalistic: true, size: entry.topInputSize)
    } catch let error as AlphaError {
        throw ValidationError("\(error)")
    }
}

/// A usage error (status 64) for an --alpha the model does not take or has no weights for.
func checkAlphaOption(_ model: String, _ alpha: Double?) throws {
    guard let alpha else { return }
    guard let entry = catalogue.first(where: { $0.name == model.lowercased() }) else {
        throw ValidationError("\(model) takes no --alpha; only \(AlphaError.alphaModels) do")
    }
    do {
        _ = try entry.resolved(alpha: alpha, size: entry.topInputSize)
    } catch let error as AlphaError {
        throw ValidationError("\(error)")
    }
}

/// The options that pick a catalogue model's architecture, shared by every command that builds one.
struct ArchitectureOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The model: \(catalogueModelList) (`zoo catalogue`) (and, where it makes sense, mlp or cnn)."))
    var model: String

    @OptionGroup var shape: ShapeOptions

    var size: Int {
        get { shape.size }
        set { shape.size = newValue }
    }
    var includeTop: Bool { shape.includeTop }

    func entry() throws -> CatalogueEntry { try shape.entry(model) }

    func build() throws -> Model { try buildModel(model, shape) }

    /// A catalogue model's --size and --include-top are checked before any work, as usage.
    func validate() throws { try shape.check(for: model) }
}

/// The backbones of the catalogue, then the from-scratch models.
let allModelNames = catalogue.map(\.name) + scratchCatalogue.map(\.name)

/// A usage error (status 64) naming the models when `name` is not one of `names`.
func checkModelName(_ name: String, among names: [String]) throws {
    guard names.contains(name.lowercased()) else {
        throw ValidationError("unknown model '\(name)'; the models are \(names.joined(separator: ", "))")
    }
}

/// A backbone of the catalogue at the given shape, or one of the from-scratch models (28x28x1 input).
func buildModel(_ name: String, _ shape: ShapeOptions) throws -> Model {
    try checkModelName(name, among: allModelNames)
    if let scratch = scratchCatalogue.first(where: { $0.name == name.lowercased() }) {
        return try scratch.build([28, 28, 1], 10)
    }
    return try shape.entry(name).build((shape.size, shape.size), shape.includeTop, shape.pooling)
}

/// Where a model's weights come from.
struct WeightOptions: ParsableArguments {
    @Option(help: "A Keras weight file (.h5 of any Keras version, .weights.h5 or .keras). Without it the official file is taken from the Keras cache (~/.keras/models, or $KERAS_HOME/models), downloading it there first if needed.")
    var weights: String?

    @Flag(help: "Match layers by name instead of by position (Keras's load_weights(by_name=True)); extra layers in the file are then allowed.")
    var byName = false

    /// Loads weights into `model` and returns the report; `check` makes any problem an error.
    func load(into model: Model, entry: CatalogueEntry, includeTop: Bool, check: Bool = true) throws -> LoadReport {
        let file = try openKerasFile(try weights ?? officialWeights(entry, includeTop: includeTop))
        let report = try loadWeights(into: model, from: file, mode: byName ? .byName : .topological)
        if check { try report.check() }
        return report
    }
}

/// The path of a model's official weights in the Keras cache, downloaded there first if needed.
func officialWeights(_ entry: CatalogueEntry, includeTop: Bool) throws -> String {
    try zooConfiguration.officialWeights(entry, includeTop: includeTop, monitor: cliMonitor(json: false))
}

/// Notices to stderr as `zoo: ...`, results and epochs to stdout (to stderr with `json`, where
/// stdout is reserved for the JSON result), progress as bars on stderr.
func cliMonitor(json: Bool) -> PipelineMonitor {
    let line: @Sendable (String) -> Void = { json ? printNotice($0) : print($0) }
    return PipelineMonitor(
        notice: { printNotice($0) }, report: line, epoch: { record, epochs in line(record.logLine(epochs: epochs)) },
        progress: { label, total, unit in ProgressBar(label: label, total: total, unit: unit) })
}

func printNotice(_ message: String) {
    FileHandle.standardError.write(Data("zoo: \(message)\n".utf8))
}
