import XCTest
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// `Tests/Fixtures/preprocess/modes.h5` (tools/make_preprocess_mode_fixtures.py) holds Keras 3's
/// preprocess_input of vgg19 (caffe), resnet_v2 (tf) and densenet (torch) on one RGB array.
final class PreprocessingModeTests: XCTestCase {
    func testModesMatchKerasPreprocessInput() throws {
        let rgb = try fixtureTensor("preprocess/modes.h5", dataset: "rgb")
        for mode in PreprocessingMode.allCases {
            let expected = try fixtureTensor("preprocess/modes.h5", dataset: mode.rawValue)
            let y = mode.preprocessInput(rgb)
            XCTAssertEqual(y.shape, expected.shape)
            // The same float32 operations in the same order: equal to the last bit.
            XCTAssertEqual(y.data, expected.data, "\(mode)")
        }
    }

    /// The exported model's fixed 1x1 convolution is the affine form of the mode: it must give
    /// Keras's values (to float rounding) on gray pixels, replicated as grayscale_to_rgb does.
    func testExportedPreprocessingConvolutionIsTheMode() throws {
        let backbone = try vgg19(inputSize: (32, 32))
        let head = try classifierHead(features: 512, hidden: 0, dropout: 0)
        for mode in PreprocessingMode.allCases {
            let full = try digitClassifier(name: "c", backbone: backbone, head: head, preprocessing: mode)
            XCTAssertEqual(full.layers.prefix(4).map(\.name), ["input_digits", "resize", mode.layerName, "block1_conv1"])
            let conv = try XCTUnwrap(full.layer(named: mode.layerName) as? Conv2D)
            XCTAssertFalse(conv.trainable)
            let kernel = conv.weights[0].value, bias = conv.weights[1].value
            XCTAssertEqual(kernel.shape, [1, 1, 1, 3])
            for v in stride(from: Float(0), through: 255, by: 0.5) {
                for k in 0..<3 {
                    let keras = mode.channel(k, of: (v, v, v))
                    XCTAssertEqual(v * kernel.data[k] + bias.data[k], keras, accuracy: 2e-6 * max(1, abs(keras)), "\(mode) \(v) \(k)")
                }
            }
        }
        XCTAssertEqual(PreprocessingMode.caffe.layerName, "caffe_preprocess", "the name of every export so far")
    }
}
