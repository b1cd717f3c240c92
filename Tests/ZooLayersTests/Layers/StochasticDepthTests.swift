import XCTest
import ZooTensor
import ZooTestSupport
@testable import ZooLayers

final class StochasticDepthTests: XCTestCase {
    func testKerasConfigRoundTrip() throws {
        let layer = try assertKerasConfigRoundTrip(#"{"class_name": "StochasticDepth", "config": {"drop_path_rate": 0.1, "dtype": "float32", "name": "sd", "trainable": true}}"#,
                                                   inputShapes: [[5, 5, 8]])
        XCTAssertEqual((layer as? StochasticDepth)?.dropPathRate, 0.1)
        XCTAssertTrue(layer.weights.isEmpty)
    }

    /// At rate 0 (and at any rate at inference) the identity, and so are its gradients.
    func testMatchesKerasAndGradientTape() throws {
        try assertMatchesKerasFixture(StochasticDepth("sd", dropPathRate: 0), "stochastic_depth")
        let layer = StochasticDepth("sd", dropPathRate: 0.3)
        let x = try fixtureTensor("layers/stochastic_depth.h5", dataset: "x0")
        _ = try layer.build([Array(x.shape.dropFirst())])
        XCTAssertEqual(layer.forward([x], training: false), x)
    }

    /// In training each sample is kept whole (scaled by 1 / (1 - rate)) or dropped whole, and the
    /// backward goes through the same per-sample mask.
    func testTrainingDropsWholeSamples() throws {
        let layer = StochasticDepth("sd", dropPathRate: 0.5)
        _ = try layer.build([[2, 3]])
        let n = 64
        let x = Tensor(repeating: 1, shape: [n, 2, 3])
        let y = layer.forward([x], training: true)
        var kept = 0
        for s in 0..<n {
            let sample = Array(y.data[(s * 6)..<(s * 6 + 6)])
            XCTAssertTrue(sample.allSatisfy { $0 == 2 } || sample.allSatisfy { $0 == 0 }, "sample \(s): \(sample)")
            if sample[0] == 2 { kept += 1 }
        }
        XCTAssertTrue((16...48).contains(kept), "\(kept) of \(n) kept at rate 0.5")
        XCTAssertEqual(layer.backward(Tensor(repeating: 1, shape: [n, 2, 3])).first, y)
        XCTAssertEqual(layer.forward([x], training: false), x)
    }

    func testRatesOutOfRangeAreRefused() {
        XCTAssertThrowsError(try StochasticDepth("sd", dropPathRate: 1).build([[3]]))
        assertConfigRefused("StochasticDepth", [:], "layer l: StochasticDepth without drop_path_rate")
    }
}
