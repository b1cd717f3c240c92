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

    @Option(help: "What follows the convolutional base without the top: none, avg or max (Keras's `pooling`).")
    var pooling: Pooling = .none

    /// --size and --include-top against a catalogue model's limits, as a usage error before any
    /// work (the from-scratch models have a fixed input and ignore them).
    func check(for model: String) throws {
        if catalogue.contains(where: { $0.name == model.lowercased() }) {
            try checkBackboneSize(model, size: size, includeTop: includeTop)
        }
    }
}

/// The options that pick a catalogue model's architecture, shared by every command that builds one.
struct ArchitectureOptions: ParsableArguments {
    @Argument(help: "The model: vgg16, vgg19, resnet50, resnet101, resnet152, resnet50v2, resnet101v2, resnet152v2 (`zoo catalogue`) (and, where it makes sense, mlp or cnn).")
    var model: String

    @OptionGroup var shape: ShapeOptions

    var size: Int {
        get { shape.size }
        set { shape.size = newValue }
    }
    var includeTop: Bool { shape.includeTop }

    func entry() throws -> CatalogueEntry { try catalogueEntry(model) }

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
    return try catalogueEntry(name).build((shape.size, shape.size), shape.includeTop, shape.pooling)
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
