import ArgumentParser
import ZooKeras
import ZooLayers
import ZooModels

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a Keras-like model summary: layers, output shapes, parameter counts and totals.")

    @Argument(help: ArgumentHelp("The model: \(catalogueModelList) (`zoo catalogue`), mlp or cnn."))
    var model: String?

    @Option(help: "Summarise the model stored in a Keras full-model file (.h5 from model.save, or .keras) instead.")
    var modelFile: String?

    @OptionGroup var shape: ShapeOptions

    func validate() throws {
        guard (model == nil) != (modelFile == nil) else { throw ValidationError("give either MODEL or --model-file") }
        if let model { try shape.check(for: model) }
    }

    func run() throws {
        let m = try modelFile.map(ModelFileOptions.load) ?? buildModel(model!, shape)
        print(m.graph.summary())
    }
}

struct CatalogueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalogue",
        abstract: "List the zoo's models with their official Keras weight files, URLs, hashes (md5 or sha256) and preprocessing.")

    @Flag(help: "Print JSON (the content of Models/catalogue.json).")
    var json = false

    struct Entry: Encodable {
        let name: String
        let kerasName: String
        let preprocessing: PreprocessingMode
        let minimumInputSize: Int
        let topInputSize: Int
        let weightsTop: WeightFile
        let weightsNoTop: WeightFile
        /// MobileNet V1/V2/V3 only: Keras's alphas, the rows with weight files, and every file by
        /// (alpha, rows); weightsTop/weightsNoTop above are alpha 1.0's at 224.
        var alphas: [Double]? = nil
        var weightRows: [Int]? = nil
        var alphaWeights: [AlphaWeights]? = nil
        /// MobileNetV3 only: the alphas of the minimalistic variant and its files.
        var minimalisticAlphas: [Double]? = nil
        var minimalisticWeights: [AlphaWeights]? = nil
    }

    struct AlphaWeights: Encodable {
        let alpha: Double
        let rows: Int
        let weightsTop: WeightFile
        let weightsNoTop: WeightFile
    }

    func run() throws {
        let entries = try catalogue.map {
            Entry(name: $0.name, kerasName: $0.kerasName, preprocessing: $0.preprocessing,
                  minimumInputSize: $0.minimumInputSize, topInputSize: $0.topInputSize,
                  weightsTop: try zooConfiguration.weightFile($0, includeTop: true),
                  weightsNoTop: try zooConfiguration.weightFile($0, includeTop: false),
                  alphas: $0.alphas.isEmpty ? nil : $0.alphas, weightRows: $0.weightRows.isEmpty ? nil : $0.weightRows,
                  alphaWeights: $0.alphas.isEmpty ? nil
                      : $0.alphaWeightFiles.map { AlphaWeights(alpha: $0.alpha, rows: $0.rows, weightsTop: $0.top, weightsNoTop: $0.noTop) },
                  minimalisticAlphas: $0.minimalisticAlphas.isEmpty ? nil : $0.minimalisticAlphas,
                  minimalisticWeights: $0.minimalisticAlphas.isEmpty ? nil
                      : $0.minimalisticWeightFiles.map { AlphaWeights(alpha: $0.alpha, rows: $0.rows, weightsTop: $0.top, weightsNoTop: $0.noTop) })
        }
        if json { return try printJSON(entries) }
        let store = zooConfiguration.weightStore
        for e in entries {
            print("\(e.name) (keras.applications.\(e.kerasName)), preprocessing \(e.preprocessing.rawValue), input >= \(e.minimumInputSize)px, \(e.topInputSize)px with the top")
            if let alphas = e.alphas, let rows = e.weightRows {
                print("  --alpha \(alphas.map { "\($0)" }.joined(separator: ", ")) (default 1.0); weight files for \(rows.map(String.init).joined(separator: ", ")) px, other sizes take 224's; below: alpha 1.0 at 224 px (`--json` lists every file)")
            }
            if let alphas = e.minimalisticAlphas {
                print("  --minimalistic at alpha \(alphas.map { "\($0)" }.joined(separator: ", "))")
            }
            for w in [e.weightsNoTop, e.weightsTop] {
                let size = w.bytes.map { "  \(grouped($0)) bytes" } ?? ""
                print("  \(w.fileName)  \(w.hashDescription)\(size)  \(store.isCached(w) ? "cached" : "not cached")")
                print("    \(w.url)")
            }
        }
    }
}
