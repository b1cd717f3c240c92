import Foundation
import XCTest
import ZooHDF5

/// Full models of issue 16's families written by Keras 3 and tf_keras (ops.numpy and TFOpLambda
/// arithmetic, nested Sequential stems, a backbone nested in a fine-tuning model) through
/// `zoo predict` and `zoo evaluate`, and the ones zoo refuses (tools/make_fullmodel_fixtures.py).
final class FullModelCLITests: XCTestCase {
    let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures/fullmodel").path

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "zoo-fullmodel-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The committed `<name>.gz`, inflated into `dir`.
    func inflate(_ name: String, into dir: String) throws -> String {
        let out = "\(dir)/\(name)"
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-dc", "\(fixtures)/\(name).gz"]
        FileManager.default.createFile(atPath: out, contents: nil)
        gzip.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        try gzip.run()
        gzip.waitUntilExit()
        XCTAssertEqual(gzip.terminationStatus, 0, name)
        return out
    }

    /// `zoo predict` on the fixture images gives Keras's outputs within 1e-4 of their largest.
    func testPredictGivesKerasOutputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected = try H5File.open("\(fixtures)/expected.h5").root
        let images = (0..<4).map { "\(fixtures)/images/image\($0).png" }
        for model in ["mobilenetv3small", "convnexttiny", "efficientnetv2b0", "sequential_mobilenetv3small",
                      "functional_convnexttiny", "hard_sigmoid"] {
            for kind in ["k3.keras", "k3.h5", "tfk.h5"] {
                let name = "\(model).\(kind)"
                let file = try inflate(name, into: dir)
                let out = "\(dir)/\(name).predictions.h5"
                let r = try zoo(["predict", "--model-file", file, "--output", out] + images)
                XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
                let ours = try H5File.open(out).root.dataset("probabilities").readFloats()
                let want = try expected.dataset(name).readFloats()
                XCTAssertEqual(ours.count, want.count, name)
                let err = zip(ours, want).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(err, 1e-4 * (want.map(abs).max() ?? 1), "\(name): max |zoo - keras| \(err)")
            }
        }
    }

    /// A fine-tuning model (a nested MobileNetV3Small under a 10-class softmax) evaluates an
    /// image folder.
    func testEvaluateRunsOnAnImageFolder() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for cls in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/data/\(cls)", withIntermediateDirectories: true)
            for i in 0..<4 {
                try FileManager.default.copyItem(atPath: "\(fixtures)/images/image\(i).png", toPath: "\(dir)/data/\(cls)/\(i).png")
            }
        }
        for kind in ["k3.keras", "tfk.h5"] {
            let file = try inflate("functional_mobilenetv3small.\(kind)", into: dir)
            let r = try zoo("evaluate", "--model-file", file, "--data", "\(dir)/data", "--test-split", "0.5", "--json")
            XCTAssertEqual(r.status, 0, "\(kind): \(r.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(report?["count"] as? Int, 4, r.stdout)
            XCTAssertNotNil(report?["accuracy"] as? Double, r.stdout)
        }
    }

    /// Code and operations outside the whitelist: status 3 and one line naming the file, the
    /// layer and its class.
    func testRefusedModelsNameFileLayerAndClass() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, layer, cls) in [("lambda.tfk.h5", "doubled", "Lambda"), ("tfop_relu.tfk.h5", "tf.nn.relu", "TFOpLambda"),
                                   ("op_sin.k3.keras", "sin", "Sin")] {
            let file = try inflate(name, into: dir)
            let r = try zoo("predict", "--model-file", file, "\(fixtures)/images/image0.png")
            XCTAssertEqual(r.status, 3, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(file): layer \(layer) has class \(cls), which zoo does not support"), r.stderr)
        }
    }
}
