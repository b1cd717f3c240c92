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
}
