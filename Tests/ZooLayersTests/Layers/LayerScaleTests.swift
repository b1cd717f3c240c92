import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

final class LayerScaleTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "LayerScale", "config": {"dtype": "float32", "init_values": 1e-06, "name": "ls", "projection_dim": 8, "trainable": true}}"#,
                                                   inputShapes: [[5, 5, 8]])
        let scale = try XCTUnwrap(layer as? LayerScale)
        XCTAssertEqual(scale.projectionDim, 8)
        // A fresh gamma starts at init_values, as Keras's Constant initializer.
        XCTAssertEqual(scale.weights[0].value.data, [Float](repeating: 1e-6, count: 8))
        XCTAssertEqual(roleSummary(scale), ["gamma(variable) ones"])
    }

    /// Keras's defaults give gamma init_values (Constant), not the role's ones, in any model.
    func testKerasDefaultsStartGammaAtInitValues() throws {
        let m = Model(name: "m")
        let x = try m.input("in", shape: [2, 2, 3])
        try m(LayerScale("ls", initValues: 0.25, projectionDim: 3), try m(Dense("d", units: 3), x))
        m.layer(named: "ls")!.weights[0].value = Tensor(repeating: 7, shape: [3])
        m.initializeKerasDefaults(seed: 1)
        XCTAssertEqual(m.layer(named: "ls")!.weights[0].value.data, [0.25, 0.25, 0.25])
        XCTAssertNotEqual(m.layer(named: "d")!.weights[0].value.data, [Float](repeating: 0, count: 9))
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(LayerScale("ls", initValues: 0.5, projectionDim: 4), "layer_scale")
    }

    func testAnInputOfOtherWidthIsRefused() {
        XCTAssertThrowsError(try LayerScale("ls", initValues: 1e-6, projectionDim: 8).build([[5, 5, 4]])) {
            XCTAssertTrue("\($0)".contains("8 channels"), "\($0)")
        }
        assertConfigRefused("LayerScale", ["projection_dim": 4], "layer l: LayerScale without init_values")
    }
}
