import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

final class LayerNormalizationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "LayerNormalization", "config": {"axis": [3], "beta_constraint": null, "beta_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "beta_regularizer": null, "center": true, "dtype": "float32", "epsilon": 1e-06, "gamma_constraint": null, "gamma_initializer": {"class_name": "Ones", "config": {}, "module": "keras.initializers", "registered_name": null}, "gamma_regularizer": null, "name": "ln", "scale": true, "trainable": true}}"#,
                                                   inputShapes: [[5, 5, 8]])
        let ln = try XCTUnwrap(layer as? LayerNormalization)
        XCTAssertEqual(ln.epsilon, 1e-6)
        XCTAssertEqual(roleSummary(ln), ["gamma ones", "beta zeros"])
        XCTAssertEqual(ln.weights.map(\.shape), [[8], [8]])
        // Keras 3 writes the axis as given, and rms_scaling.
        let k3 = try assertKerasConfigRoundTrip(#"{"class_name": "LayerNormalization", "config": {"axis": -1, "epsilon": 0.001, "center": false, "scale": true, "rms_scaling": false, "name": "ln", "trainable": true}}"#,
                                                inputShapes: [[6]])
        XCTAssertEqual(k3.weights.map(\.name), ["gamma"])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(LayerNormalization("ln", epsilon: 1e-6), "layernorm")
        try assertMatchesKerasFixture(LayerNormalization("ln", center: false), "layernorm_rank2_nocenter")
        try assertMatchesKerasFixture(LayerNormalization("ln", epsilon: 0.01, scale: false), "layernorm_noscale")
    }

    /// Rows far from zero (ConvNeXt's stem sees 0-255-scaled maps) keep their precision: the
    /// variance is taken about the mean, not as E[x^2] - E[x]^2.
    func testLargeOffsetsKeepPrecision() throws {
        let ln = LayerNormalization("ln", epsilon: 1e-6, center: false, scale: false)
        _ = try ln.build([[4]])
        let y = ln.forward([Tensor(shape: [1, 4], data: [10_000, 10_001, 10_002, 10_003])])
        assertClose(y, Tensor(shape: [1, 4], data: [-1.3416408, -0.4472136, 0.4472136, 1.3416408]), rtol: 1e-5, "normalised")
    }

    func testOptionsZooLacksAreRefused() throws {
        let unsupported = "layer l has class LayerNormalization, which zoo does not support"
        assertConfigRefused("LayerNormalization", ["axis": [1, 2]], "\(unsupported) (axis [1, 2])")
        assertConfigRefused("LayerNormalization", ["rms_scaling": true], "\(unsupported) (rms_scaling)")
        // An axis that is not the last is refused when the input's rank is known.
        let layer = try LayerNormalization(name: "l", config: KerasLayerConfig(layer: "l", className: "LayerNormalization", values: ["axis": 1]))
        XCTAssertThrowsError(try layer.build([[4, 4, 3]])) { XCTAssertTrue("\($0)".contains("axis 1"), "\($0)") }
    }
}
