import Foundation
import XCTest
import ZIPFoundation
import ZooHDF5
import ZooLayers
import ZooTensor
@testable import ZooKeras

/// `.keras` export against the archives Keras 3.15 itself wrote for the same tiny models
/// (tools/make_fixtures.py's `<model>.k3.keras`, same weights): the same entries, the same weight
/// groups, names and values; zoo reads its own archive back exactly. That Keras 3's
/// `load_model` predicts the same is checked by tools/check_export.py (tools/test.sh).
final class KerasArchiveExportTests: XCTestCase {
    func testArchiveHasKerasLayoutAndWeights() throws {
        for model in tinyModels {
            let m = try configModel(model)
            try loadWeights(into: m, from: KerasWeightFile(path: fixture("\(model).tfkeras.model.h5"))).check()
            let path = NSTemporaryDirectory() + "zoo-export-\(UUID().uuidString).keras"
            defer { unlink(path) }
            try exportKerasArchive(m, to: path)
            let ours = try ArchiveContents(path), keras = try ArchiveContents(fixture("\(model).k3.keras"))
            XCTAssertEqual(ours.entries, keras.entries, model)
            XCTAssertEqual(ours.entries, ["metadata.json", "config.json", "model.weights.h5"])
            XCTAssertEqual(ours.weights.keys.sorted(), keras.weights.keys.sorted(), "\(model): weight groups")
            for (key, theirs) in keras.weights {
                guard let mine = ours.weights[key] else { continue }
                XCTAssertEqual(mine.name, theirs.name, "\(model) \(key): layer name")
                XCTAssertEqual(mine.values.map(\.shape), theirs.values.map(\.shape), "\(model) \(key)")
                XCTAssertEqual(mine.values.map(\.data), theirs.values.map(\.data), "\(model) \(key): values")
            }
            XCTAssertEqual(ours.metadata["keras_version"] as? String, kerasArchiveVersion)
        }
    }

    func testZooReadsItsArchiveBackExactly() throws {
        for model in tinyModels {
            let io = try readIO(model)
            let m = try configModel(model)
            try loadWeights(into: m, from: KerasWeightFile(path: fixture("\(model).tfkeras.model.h5"))).check()
            let path = NSTemporaryDirectory() + "zoo-export-\(UUID().uuidString).keras"
            defer { unlink(path) }
            try exportKerasArchive(m, classNames: ["a", "b"], to: path)
            let file = try KerasWeightFile(path: path)
            let back = try modelFromConfig(XCTUnwrap(file.modelConfig), file: path)
            try loadWeights(into: back, from: file).check()
            XCTAssertEqual(back.layers.map(\.name), m.layers.map(\.name))
            XCTAssertEqual(back(io.input).data, m(io.input).data, model)
            assertKerasParity(back(io.input), io.output, "\(model) exported as .keras")
            XCTAssertEqual(try exportedClassNames(path), ["a", "b"])
        }
    }

    func testClassNamesAreStoredInBothFormatsAndAbsentOtherwise() throws {
        let m = try configModel("tiny_vgg")
        try loadWeights(into: m, from: KerasWeightFile(path: fixture("tiny_vgg.tfkeras.model.h5"))).check()
        let names = ["cat", "dog", "zebra crossing"]
        for suffix in ["h5", "keras"] {
            let path = NSTemporaryDirectory() + "zoo-export-\(UUID().uuidString).\(suffix)"
            defer { unlink(path) }
            if suffix == "h5" { try exportKerasModel(m, classNames: names, to: path) } else { try exportKerasArchive(m, classNames: names, to: path) }
            XCTAssertEqual(try exportedClassNames(path), names, suffix)
        }
        XCTAssertNil(try exportedClassNames(fixture("tiny_vgg.k3.keras")))
        XCTAssertNil(try exportedClassNames(fixture("tiny_vgg.tfkeras.model.h5")))
    }

    /// Keras's `naming.to_snake_case` of every registered class (printed by Keras 3.15).
    func testWeightGroupKeysFollowKerasNaming() {
        let keras = ["InputLayer": "input_layer", "Conv2D": "conv2d", "BatchNormalization": "batch_normalization",
                     "GlobalAveragePooling2D": "global_average_pooling2d", "ZeroPadding2D": "zero_padding2d", "ReLU": "re_lu",
                     "DepthwiseConv2D": "depthwise_conv2d", "SeparableConv2D": "separable_conv2d", "MaxPooling2D": "max_pooling2d",
                     "Dense": "dense", "RandomFlip": "random_flip"]
        for (name, snake) in keras { XCTAssertEqual(kerasSnakeCase(name), snake, name) }
    }

    /// What a `.keras` file holds: entry names in order, metadata, and per weight group its
    /// layer name and datasets.
    struct ArchiveContents {
        let entries: [String]
        let metadata: [String: Any]
        let weights: [String: (name: String, values: [Tensor])]

        init(_ path: String) throws {
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            entries = archive.map(\.path)
            var metadataData = Data()
            _ = try archive.extract(XCTUnwrap(archive["metadata.json"])) { metadataData.append($0) }
            metadata = try XCTUnwrap(JSONSerialization.jsonObject(with: metadataData) as? [String: Any])
            let h5 = NSTemporaryDirectory() + "zoo-weights-\(UUID().uuidString).h5"
            defer { unlink(h5) }
            _ = try archive.extract(XCTUnwrap(archive["model.weights.h5"]), to: URL(fileURLWithPath: h5))
            let layers = try H5File.open(h5).root.group("layers")
            var weights: [String: (String, [Tensor])] = [:]
            for key in try layers.memberNames() {
                let vars = try layers.group(key).group("vars")
                var name = "(no name attribute)"
                if case let .string(n) = try vars.attribute("name") { name = n }
                let values = try vars.memberNames().sorted { Int($0)! < Int($1)! }.map { i -> Tensor in
                    let d = try vars.dataset(i)
                    return Tensor(shape: d.shape, data: try d.readFloats())
                }
                weights[key] = (name, values)
            }
            self.weights = weights
        }
    }
}
