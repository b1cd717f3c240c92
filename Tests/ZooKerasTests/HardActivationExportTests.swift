import Foundation
import XCTest
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTestSupport

/// zoo's legacy .h5 export writes hard_sigmoid and hard_silu as layers tf-keras and Keras 3
/// compute alike (tools/test_export_families.py loads such exports in both); the .keras archive
/// keeps Keras 3's own activations. Both read back into zoo with the same outputs.
final class HardActivationExportTests: XCTestCase {
    func model() throws -> Model {
        let m = Model(name: "hard")
        var x = try m.input("in", shape: [4, 4, 3])
        x = try m(Conv2D("conv", filters: 4, kernelSize: (3, 3), padding: .same), x)
        x = try m(ActivationLayer("hs", .hardSwish), x)
        let s = try m(ActivationLayer("gate", .hardSigmoid), x)
        x = try m(Multiply(name: "gated"), x, s)
        x = try m(ActivationLayer("silu", .hardSilu), x)
        x = try m(GlobalAveragePooling2D(name: "gap"), x)
        try m(Dense("d", units: 2), x)
        m.initializeKerasDefaults(seed: 3)
        return m
    }

    func testLegacyExportUsesStandardLayersAndKeepsOutputs() throws {
        let m = try model()
        m.layer(named: "hs")!.trainable = false
        let x = Tensor(shape: [2, 4, 4, 3], data: (0..<96).map { Float($0 % 13) - 6 })
        let y = try m.predict(x)
        let dir = NSTemporaryDirectory() + "zoo-hard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for suffix in ["h5", "keras"] {
            let path = "\(dir)/m.\(suffix)"
            if suffix == "h5" { try exportKerasModel(m, to: path) } else { try exportKerasArchive(m, to: path) }
            let file = try KerasWeightFile(path: path)
            let back = try modelFromConfig(try XCTUnwrap(file.modelConfig), file: path)
            try loadFullModelWeights(into: back, from: file).check()
            let hard = back.layers.compactMap { ($0 as? ActivationLayer)?.activation }.filter { [.hardSigmoid, .hardSilu, .hardSwish].contains($0) }
            if suffix == "h5" {
                XCTAssertEqual(hard, [])
                // hard_swish: Rescaling(+3) -> ReLU(6) -> Rescaling(1/6) -> Multiply, named as it was at the end.
                XCTAssertEqual(back.layers.map(\.name).prefix(7), ["in", "conv", "hs_plus_3", "hs_relu6", "hs_hard_sigmoid", "hs", "gate_plus_3"])
                XCTAssertEqual(back.node(named: "hs")!.inputs, ["conv", "hs_hard_sigmoid"])
                XCTAssertEqual((back.layer(named: "gate") as? Rescaling)?.scale, 1 / 6)
                XCTAssertEqual((back.layer(named: "hs_relu6") as? ReLU)?.maxValue, 6)
                XCTAssertEqual(back.layers.filter { $0.name.hasPrefix("hs") }.map(\.trainable), [false, false, false, false])
            } else {
                XCTAssertEqual(hard, [.hardSwish, .hardSigmoid, .hardSilu])
            }
            assertClose(try back.predict(x), y, rtol: 1e-6, suffix)
        }
        // The model itself is left as it was.
        XCTAssertEqual(m.layers.count, 8)
        XCTAssertEqual(m.node(named: "gated")!.inputs, ["hs", "gate"])
    }

    /// keras.applications' own classes name their module in a .keras archive, as Keras 3 writes
    /// them (with `keras.layers` Keras 3 cannot load them).
    func testArchivesNameTheModuleOfApplicationClasses() throws {
        let m = Model(name: "scaled")
        let x = try m.input("in", shape: [3])
        try m(LayerScale("ls", initValues: 0.5, projectionDim: 2), try m(Dense("d", units: 2), x))
        let path = NSTemporaryDirectory() + "zoo-scaled-\(UUID().uuidString).keras"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try exportKerasArchive(m, to: path)
        let config = try XCTUnwrap(try KerasWeightFile(path: path).modelConfig)
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        let layers = try XCTUnwrap((root["config"] as? [String: Any])?["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { $0["module"] as? String }, ["keras.layers", "keras.layers", "keras.src.applications.convnext"])
        XCTAssertEqual(layers[2]["registered_name"] as? String, "LayerScale")
        XCTAssertEqual(layers[1]["registered_name"] as? NSNull, NSNull())
    }
}
