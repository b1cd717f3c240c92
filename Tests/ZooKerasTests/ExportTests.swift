import Foundation
import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
import ZooTensor
@testable import ZooKeras

final class ExportTests: XCTestCase {
    /// Import -> export -> import gives the same network, bit for bit, for every tiny model.
    func testExportRoundTripIsExact() throws {
        for model in tinyModels {
            let io = try readIO(model)
            let m = try configModel(model)
            try loadWeights(into: m, from: KerasWeightFile(path: fixture("\(model).tfkeras.model.h5"))).check()
            let path = NSTemporaryDirectory() + "zoo-export-\(UUID().uuidString).h5"
            defer { unlink(path) }
            try exportKerasModel(m, to: path)
            let file = try KerasWeightFile(path: path)
            XCTAssertEqual(file.layout, .fullModel)
            let back = try modelFromConfig(XCTUnwrap(file.modelConfig), file: path)
            try loadWeights(into: back, from: file).check()
            XCTAssertEqual(back.layers.map(\.name), m.layers.map(\.name))
            XCTAssertEqual(back.layers.map(\.className), m.layers.map(\.className))
            XCTAssertEqual(back(io.input).data, m(io.input).data, model)
            assertKerasParity(back(io.input), io.output, "\(model) exported")
        }
    }

    /// The exported digit classifier: resize and caffe preprocessing as standard layers give
    /// exactly the preprocessed input the backbone saw.
    func testDigitClassifierPreprocessesLikeTheFeaturePath() throws {
        let backbone = try vgg16(inputSize: (32, 32), pooling: .avg)
        backbone.initializeKerasDefaults(seed: 1)
        let head = try classifierHead(features: 512, hidden: 16, dropout: 0.5)
        head.initializeKerasDefaults(seed: 2)
        let full = try digitClassifier(name: "c", backbone: backbone, head: head, preprocessing: .caffe)
        XCTAssertEqual(full.layers.prefix(4).map(\.name), ["input_digits", "resize", "caffe_preprocess", "block1_conv1"])
        var rng = SeededGenerator(seed: 3)
        let digits = Tensor(shape: [2, 28, 28, 1], data: (0..<(2 * 784)).map { _ in Float(Int.random(in: 0...255, using: &rng)) })
        let resized = resizeBilinearForward(digits, height: 32, width: 32)
        var manual = [Float]()
        for v in resized.data { manual += PreprocessingMode.caffeMeanBGR.map { v - $0 } }
        let viaHead = head(backbone(Tensor(shape: [2, 32, 32, 3], data: manual)))
        XCTAssertEqual(full(digits).data, viaHead.data)
        let config = try kerasModelConfig(full)
        XCTAssertTrue(config.contains("\"class_name\":\"Resizing\""))
        XCTAssertFalse(config.contains("Lambda"))
    }
}
