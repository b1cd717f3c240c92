import Foundation
import XCTest
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooModels

/// Issue 16's InceptionResNetV2, NASNet and EfficientNetV2 through the CLI: Keras's parameter
/// counts, the load report for another family's weights, the size limits, and full models of
/// their layers written by Keras in `zoo predict` and `zoo evaluate`.
final class Family16CLITests: XCTestCase {
    /// Keras's count_params and trainable count (tools/make_fam16_fixtures.py), with the top at
    /// the default size and without it at the minimum.
    func testSummaryTotalsEqualKeras() throws {
        let data = try Data(contentsOf: repoRoot.appendingPathComponent("Tests/Fixtures/fam16/parameters.json"))
        let table = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func grouped(_ n: Int) -> String {
            let f = NumberFormatter()
            f.numberStyle = .decimal
            f.groupingSeparator = ","
            f.usesGroupingSeparator = true
            return f.string(from: NSNumber(value: n))!
        }
        for (model, minimum, size) in [("inceptionresnetv2", 75, 299), ("nasnetmobile", 32, 224), ("efficientnetv2b0", 32, 224),
                                       ("efficientnetv2s", 32, 384)] {
            let k = try XCTUnwrap(table[model] as? [String: Any])
            for top in [false, true] {
                let r = try zoo(["summary", model, "--size", "\(top ? size : minimum)"] + (top ? ["--include-top"] : []))
                XCTAssertEqual(r.status, 0, r.stderr)
                let total = try XCTUnwrap(k[top ? "parameters_top" : "parameters"] as? Int)
                let trainable = try XCTUnwrap(k[top ? "trainable_parameters_top" : "trainable_parameters"] as? Int)
                XCTAssertTrue(r.stdout.contains("Total params: \(grouped(total)) "), "\(model) top \(top)")
                XCTAssertTrue(r.stdout.contains("Trainable params: \(grouped(trainable)) "), "\(model) top \(top)")
            }
        }
    }

    /// NASNetMobile weights given to EfficientNetV2B0: the load report, status 4 and one line
    /// naming the first layer that does not fit; the file fits its own model.
    func testAnotherFamilysWeightsAreRefused() throws {
        let dir = NSTemporaryDirectory() + "/zoo-fam16-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/nasnetmobile.h5"
        try exportKerasModel(try nasnetmobile(inputSize: (32, 32)), to: path)
        let wrong = try zoo("load", "efficientnetv2b0", "--size", "32", "--weights", path)
        XCTAssertEqual(wrong.status, 4, wrong.stderr)
        XCTAssertTrue(wrong.stdout.contains("shape-mismatch"), wrong.stdout)
        XCTAssertEqual(wrong.stderr.split(separator: "\n").count, 1, wrong.stderr)
        // The stems agree (3x3x3x32 kernels, BatchNorm of 32); the first blocks do not.
        XCTAssertTrue(wrong.stderr.contains("first: layer block1a_project_conv: kernel expected (3, 3, 32, 16), found (1, 1, 32, 11)"),
                      wrong.stderr)
        let right = try zoo("load", "nasnetmobile", "--size", "32", "--weights", path)
        XCTAssertEqual(right.status, 0, right.stderr)
    }

    func testSizesBelowTheMinimumAreUsageErrors() throws {
        let r = try zoo("summary", "inceptionresnetv2", "--size", "74")
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("inceptionresnetv2: input size must be at least 75x75, got 74x74"), r.stderr)
        for model in ["nasnetmobile", "nasnetlarge", "efficientnetv2b0", "efficientnetv2l"] {
            let r = try zoo("summary", model, "--size", "31")
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(model): input size must be at least 32x32, got 31x31"), r.stderr)
        }
        let top = try zoo("summary", "nasnetlarge", "--size", "224", "--include-top")
        XCTAssertEqual(top.status, 64, top.stderr)
        XCTAssertTrue(top.stderr.contains("331x331"), top.stderr)
    }

    /// A classifier of raw digits made of these families' layers (CustomScaleLayer, Cropping2D,
    /// BatchNormalization without scale, SeparableConv2D, same-padded AveragePooling2D,
    /// squeeze-excite, Dropout with noise_shape), saved by Keras 3's `model.save` as .keras and
    /// .h5: `zoo predict` gives Keras's probabilities, `zoo evaluate` runs.
    func testKerasFullModelsOfTheseLayersPredict() throws {
        let dir = NSTemporaryDirectory() + "/zoo-fam16-predict-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures/fam16").path
        let io = try H5File.open(fixtures + "/digits_fam16.io.h5")
        let expected = try io.root.dataset("probabilities").readFloats()
        for format in ["k3.keras", "k3.model.h5"] {
            let model = "\(fixtures)/digits_fam16.\(format)"
            let out = "\(dir)/\(format).predictions.h5"
            let r = try zoo("predict", "--model-file", model, "--split", "test", "--limit", "16", "--output", out)
            XCTAssertEqual(r.status, 0, r.stderr)
            let ours = try H5File.open(out).root.dataset("probabilities").readFloats()
            XCTAssertEqual(ours.count, expected.count, format)
            let err = zip(ours, expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(err, 1e-4 * (expected.max() ?? 1), "\(format): max |zoo - keras| \(err)")
            let e = try zoo("evaluate", "--model-file", model, "--split", "test", "--json")
            XCTAssertEqual(e.status, 0, e.stderr)
            XCTAssertTrue(e.stdout.contains("accuracy"), e.stdout)
        }
    }
}
