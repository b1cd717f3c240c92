import ArgumentParser
import Foundation
import ZooKeras
import ZooLayers
import ZooModels
import ZooTensor

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which Keras writer and layout a weight file has, and its layers, weights and shapes.")

    @Argument(help: "A Keras weight file: legacy .h5 (Keras 1 or 2, weights or full model), .weights.h5 or .keras.")
    var file: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Report: Encodable {
        let file: String
        let layout: KerasLayout
        let layoutDescription: String
        let writer: String
        let kerasVersion: String
        let backend: String?
        let hasModelConfig: Bool
        let layerCount: Int
        let weightedLayerCount: Int
        let parameterCount: Int
        let matches: [String]
        let layers: [StoredLayer]
    }

    func run() throws {
        let f = try openKerasFile(file)
        let report = Report(
            file: file, layout: f.layout, layoutDescription: f.layout.explanation, writer: writer(f),
            kerasVersion: f.kerasVersion, backend: f.backend, hasModelConfig: f.modelConfig != nil,
            layerCount: f.layers.count, weightedLayerCount: f.weightedLayers.count,
            parameterCount: f.parameterCount, matches: catalogueMatches(f), layers: f.layers)
        if json { return try printJSON(report) }
        print("file:        \(file)")
        print("layout:      \(f.layout.rawValue): \(f.layout.explanation)")
        print("writer:      \(report.writer) (keras_version \(f.kerasVersion)\(f.backend.map { ", backend \($0)" } ?? ""))")
        print("config:      \(f.modelConfig == nil ? "none (weights only)" : "model config included")")
        print("layers:      \(f.layers.count), \(f.weightedLayers.count) with weights")
        print("parameters:  \(grouped(f.parameterCount))")
        print("matches:     \(report.matches.isEmpty ? "no zoo model" : report.matches.joined(separator: ", "))")
        print("")
        let width = max(f.layers.map(\.name.count).max() ?? 0, 5) + 2
        print("layer".padding(toLength: width, withPad: " ", startingAt: 0) + "weights")
        for layer in f.layers {
            let ws = layer.weights.map { "\($0.name) \(describeShape($0.shape, batch: false))" }.joined(separator: ", ")
            print(layer.name.padding(toLength: width, withPad: " ", startingAt: 0) + (ws.isEmpty ? "-" : ws))
        }
    }

    func writer(_ f: KerasWeightFile) -> String {
        switch f.kerasVersion.first {
        case "1": return "Keras 1"
        case "2": return "Keras 2 (keras / tf.keras / tf-keras)"
        case "3": return "Keras 3"
        default: return "Keras \(f.kerasVersion)"
        }
    }
}

/// Zoo models whose weighted layers have exactly the file's shapes, in order: what the file is for.
func catalogueMatches(_ f: KerasWeightFile) -> [String] {
    let stored = f.weightedLayers.map { $0.weights.map(\.shape) }
    var out: [String] = []
    // MobileNet V1/V2/V3 at each of their alphas, and V3's minimalistic variant, named with the flags.
    let variants = catalogue.flatMap { entry in
        entry.alphas.isEmpty ? [(entry.name, entry)]
            : entry.alphas.compactMap { a in (try? entry.resolved(alpha: a, size: entry.topInputSize)).map { ("\(entry.name) --alpha \(a)", $0) } }
            + entry.minimalisticAlphas.compactMap { a in
                (try? entry.resolved(alpha: a, minimalistic: true, size: entry.topInputSize)).map { ("\(entry.name) --alpha \(a) --minimalistic", $0) }
            }
    }
    for (label, entry) in variants {
        for top in [false, true] {
            // With the top, the family's fixed size (InceptionResNetV2 299, NASNetLarge 331, ...).
            let size = top ? entry.topInputSize : 224
            guard let m = try? entry.build((size, size), top, .none) else { continue }
            let keras3 = f.layout == .keras3 || f.layout == .kerasArchive
            let shapes = m.weightedLayers.map { $0.weights.map(\.shape) }
            // Keras 3 files list layers by class, not in model order, so compare as multisets there.
            let same = keras3 ? shapes.map { "\($0)" }.sorted() == stored.map { "\($0)" }.sorted() : shapes == stored
            if same { out.append("\(label) (include_top=\(top ? "True" : "False"))") }
        }
    }
    return out
}
