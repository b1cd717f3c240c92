import XCTest
import ZooTensor
@testable import ZooLayers

final class NormalizationTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let adapted = try assertKerasConfigRoundTrip(#"{"class_name": "Normalization", "config": {"axis": [-1], "dtype": "float32", "invert": false, "mean": null, "name": "norm", "trainable": true, "variance": null}}"#,
                                                     inputShapes: [[4, 4, 3]])
        XCTAssertEqual(roleSummary(adapted), ["mean zeros frozen", "variance ones frozen", "count zeros frozen"])
        XCTAssertEqual(adapted.parameterCount, 7, "Keras counts mean, variance and count")
        XCTAssertEqual(adapted.trainableCount, 0)
        let given = try assertKerasConfigRoundTrip(#"{"class_name": "Normalization", "config": {"axis": [-1], "dtype": "float32", "invert": false, "mean": [1.0, 2.0, 3.0], "name": "norm2", "trainable": true, "variance": [4.0, 5.0, 6.0]}}"#,
                                                   inputShapes: [[4, 4, 3]])
        XCTAssertTrue(given.weights.isEmpty)
        XCTAssertEqual(given.forward([Tensor(shape: [1, 3], data: [3, 2, 3])]).data, [1, 0, 0])
    }

    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(Normalization(name: "n", mean: [0.5, -1, 2], variance: [4, 0.25, 1e-20]), "normalization_given")
        try assertMatchesKerasFixture(Normalization(name: "n"), "normalization_adapted")
    }

    func testOptionsZooLacksAreRefused() {
        let unsupported = "layer l has class Normalization, which zoo does not support"
        assertConfigRefused("Normalization", ["axis": [1, 2]], "\(unsupported) (axis [1, 2])")
        assertConfigRefused("Normalization", ["invert": true], "\(unsupported) (invert)")
        assertConfigRefused("Normalization", ["mean": [1.0]], "layer l: mean and variance must be given together")
        XCTAssertThrowsError(try Normalization(name: "n", mean: [1, 2], variance: [1, 2]).build([[4, 4, 3]]))
    }
}
