import XCTest
import ZooTensor
@testable import ZooLayers

final class BatchNormalizationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "BatchNormalization", "config": {"axis": [3], "beta_constraint": null, "beta_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "beta_regularizer": null, "center": false, "dtype": "float32", "epsilon": 1.001e-05, "gamma_constraint": null, "gamma_initializer": {"class_name": "Ones", "config": {}, "module": "keras.initializers", "registered_name": null}, "gamma_regularizer": null, "momentum": 0.99, "moving_mean_initializer": {"class_name": "Zeros", "config": {}, "module": "keras.initializers", "registered_name": null}, "moving_variance_initializer": {"class_name": "Ones", "config": {}, "module": "keras.initializers", "registered_name": null}, "name": "bn", "scale": true, "trainable": true}}"#,
                                                   inputShapes: [[4, 4, 3]])
        let bn = try XCTUnwrap(layer as? BatchNormalization)
        XCTAssertEqual(bn.epsilon, 1.001e-5)
        XCTAssertFalse(bn.center)
        XCTAssertEqual(roleSummary(bn), ["gamma ones", "moving_mean(running_mean) zeros frozen",
                                         "moving_variance(running_std) ones frozen"])
        XCTAssertEqual(bn.weights.map { $0.value.data }, [[1, 1, 1], [0, 0, 0], [1, 1, 1]], "Keras's initial values")
    }

    func testAllFourRolesInKerasOrder() throws {
        let bn = BatchNormalization("bn")
        _ = try bn.build([[2, 2, 5]])
        XCTAssertEqual(roleSummary(bn), ["gamma ones", "beta zeros", "moving_mean(running_mean) zeros frozen",
                                         "moving_variance(running_std) ones frozen"])
    }

    /// Inference-mode forward and the gradients of x and of the one affine weight left, against
    /// Keras 3 and tf.GradientTape (tools/make_layer_fixtures.py): InceptionV3's scale=False and
    /// center=False.
    func testWithoutScaleOrCenterMatchesKeras() throws {
        let noScale = BatchNormalization("bn", scale: false)
        try assertMatchesKerasFixture(noScale, "batchnorm_noscale")
        XCTAssertEqual(noScale.weights.map(\.name), ["beta", "moving_mean", "moving_variance"])
        let noCenter = BatchNormalization("bn", epsilon: 1.001e-5, center: false)
        try assertMatchesKerasFixture(noCenter, "batchnorm_nocenter")
        XCTAssertEqual(noCenter.weights.map(\.name), ["gamma", "moving_mean", "moving_variance"])
    }

    func testOtherAxesAreRefused() {
        assertConfigRefused("BatchNormalization", ["axis": [1]],
                            "layer l has class BatchNormalization, which zoo does not support (axis 1)")
    }
}
