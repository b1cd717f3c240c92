import XCTest
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTestSupport

/// Legacy HDF5 files of models with a nested Sequential (ConvNeXt's stem and downsampling
/// blocks, and so the official ConvNeXt files) keep that model's layers in one group; zoo's flat
/// model loads them layer by layer, by position and by name (tools/make_layers16_fixtures.py).
final class NestedSequentialTests: XCTestCase {
    func model() throws -> Model {
        let m = Model(name: "nested")
        var x = try m.input("input_1", shape: [8, 8, 3])
        x = try m(Conv2D("m_stem_conv", filters: 4, kernelSize: 2, strides: 2), x)
        x = try m(LayerNormalization("m_stem_layernorm", epsilon: 1e-6), x)
        try m(Dense("d", units: 5), x)
        m.nestedIn = ["m_stem_conv": "sequential", "m_stem_layernorm": "sequential"]
        return m
    }

    func testNestedGroupsOpenIntoTheirLayers() throws {
        for suffix in ["tfkeras", "k3"] {
            let fixture = "layers16/nested_stem.\(suffix).h5"
            let file = try KerasWeightFile(path: fixturePath(fixture))
            XCTAssertEqual(file.weightedLayers.map(\.name), ["m_stem_conv", "m_stem_layernorm", "d"], suffix)
            XCTAssertEqual(file.weightedLayers.map(\.key), ["m_stem", "m_stem", "d"], suffix)
            for mode in [LoadMode.topological, .byName] {
                let m = try model()
                let report = try loadWeights(into: m, from: file, mode: mode)
                XCTAssertTrue(report.problems.isEmpty, "\(suffix) \(mode): \(report.problems.map(report.problemSentence))")
                let y = try m.predict(try fixtureTensor(fixture, dataset: "io_input"))
                assertClose(y, try fixtureTensor(fixture, dataset: "io_output"), rtol: 1e-5, "\(suffix) \(mode)")
            }
        }
    }

    /// Keras 3 stores the nested model's layers under its own key, counted within it.
    func testKeras3FilesFindTheNestedLayers() throws {
        let fixture = "layers16/nested_stem.k3.weights.h5"
        let file = try KerasWeightFile(path: fixturePath(fixture))
        XCTAssertEqual(file.weightedLayers.map(\.key), ["dense", "sequential/conv2d", "sequential/layer_normalization"])
        let m = try model()
        let report = try loadWeights(into: m, from: file)
        XCTAssertTrue(report.problems.isEmpty, "\(report.problems.map(report.problemSentence))")
        assertClose(try m.predict(try fixtureTensor(fixture, dataset: "io_input")), try fixtureTensor(fixture, dataset: "io_output"),
                    rtol: 1e-5, "Keras 3 weights")
    }
}
