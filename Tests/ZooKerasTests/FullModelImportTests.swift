import Foundation
import XCTest
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooTensor
import ZooTestSupport

/// Full models of issue 16's MobileNetV3, ConvNeXt and EfficientNetV2 families as Keras 3
/// (`.keras`, `.h5`) and tf_keras (`.h5`) save them, with their ops.numpy and TFOpLambda
/// arithmetic, nested Sequential stems and the fine-tuning shapes around a nested backbone:
/// zoo builds each from its own config, loads every weight and gives Keras's output
/// (tools/make_fullmodel_fixtures.py).
final class FullModelImportTests: XCTestCase {
    static let models = ["mobilenetv3small", "convnexttiny", "efficientnetv2b0", "sequential_mobilenetv3small",
                         "functional_mobilenetv3small", "functional_convnexttiny"]
    static let kinds = ["k3.keras", "k3.h5", "tfk.h5"]

    func testKerasFullModelsGiveKerasOutputs() throws {
        let expected = try H5File.open(fixturePath("fullmodel/expected.h5"))
        let input = try expected.root.dataset("input")
        let x = Tensor(shape: input.shape, data: try input.readFloats())
        for model in Self.models {
            for kind in Self.kinds {
                let name = "\(model).\(kind)"
                let file = try KerasWeightFile(path: try fullModelFixture(name))
                let m = try modelFromConfig(try XCTUnwrap(file.modelConfig), file: name)
                let report = try loadFullModelWeights(into: m, from: file)
                XCTAssertTrue(report.problems.isEmpty, "\(name): \(report.problems.map(report.problemSentence))")
                XCTAssertEqual(report.loadedCount, m.weightedLayers.reduce(0) { $0 + $1.weights.count }, name)
                let y = try m.predict(x)
                let reference = try expected.root.dataset(name)
                let want = Tensor(shape: reference.shape, data: try reference.readFloats())
                assertClose(y, want, rtol: 1e-4, name)
                let scale = want.data.map(abs).max() ?? 1
                print("\(name): max |zoo - keras| / max |keras| = \(zip(y.data, want.data).map { abs($0 - $1) }.max()! / scale)")
            }
        }
    }
}

/// A fixture of Tests/Fixtures/fullmodel, inflated into a temporary directory when it is
/// committed gzipped (Keras's HDF5 files are mostly headers and configs, which compress).
func fullModelFixture(_ name: String) throws -> String {
    let plain = fixturePath("fullmodel/\(name)")
    if FileManager.default.fileExists(atPath: plain) { return plain }
    let dir = NSTemporaryDirectory() + "zoo-fullmodel-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let out = "\(dir)/\(name)"
    if FileManager.default.fileExists(atPath: out) { return out }
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-dc", plain + ".gz"]
    FileManager.default.createFile(atPath: out + ".part", contents: nil)
    gzip.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out + ".part"))
    try gzip.run()
    gzip.waitUntilExit()
    guard gzip.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: plain + ".gz"]) }
    try FileManager.default.moveItem(atPath: out + ".part", toPath: out)
    return out
}
