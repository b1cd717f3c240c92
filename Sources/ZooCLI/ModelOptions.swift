import ArgumentParser
import Foundation
import ZooKeras
import ZooLayers
import ZooModels

extension Pooling: ExpressibleByArgument {}

/// Input size, top and pooling of a catalogue backbone.
struct ShapeOptions: ParsableArguments {
    @Option(help: "Input height and width in pixels (at least 32; 224 with --include-top).")
    var size: Int = 224

    @Flag(help: "Keep the ImageNet classifier (Flatten/fc1/fc2 for VGG16, avg_pool for ResNet50, then the 1000-way predictions).")
    var includeTop = false

    @Option(help: "What follows the convolutional base without the top: none, avg or max (Keras's `pooling`).")
    var pooling: Pooling = .none
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
}

/// A backbone of the catalogue at the given shape, or one of the from-scratch models (28x28x1 input).
func buildModel(_ name: String, _ shape: ShapeOptions) throws -> Model {
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
    let official = try WeightStore.weightFile(entry, includeTop: includeTop)
    let store = WeightStore()
    if !store.isCached(official) {
        let size = official.bytes.map { " (\($0 / 1_000_000) MB)" } ?? ""
        printNotice("downloading \(official.fileName)\(size) into \(store.cacheDirectory)")
    }
    let bar = ProgressBar(label: official.fileName, total: Int64(official.bytes ?? 0), unit: .bytes)
    defer { bar.finish() }
    return try store.resolve(official) { done, total in bar.update(done, total: total) }
}

func printNotice(_ message: String) {
    FileHandle.standardError.write(Data("zoo: \(message)\n".utf8))
}
