import Foundation
import XCTest
import ZooKeras
import ZooLayers
import ZooModels

/// The models added with issue 14's first families through the CLI: Keras's parameter counts,
/// the load report for another family's weights, the size limits.
final class FamilyCLITests: XCTestCase {
    func testSummaryTotalsEqualKeras() throws {
        // keras.applications.<Model>(weights=None).count_params() and trainable weights, with the
        // top at 224 and without at 32.
        let expected: [(String, Bool, String, String)] = [
            ("vgg19", false, "20,024,384", "20,024,384"), ("vgg19", true, "143,667,240", "143,667,240"),
            ("resnet101", false, "42,658,176", "42,552,832"), ("resnet101", true, "44,707,176", "44,601,832"),
            ("resnet152", false, "58,370,944", "58,219,520"), ("resnet152", true, "60,419,944", "60,268,520"),
            ("resnet50v2", false, "23,564,800", "23,519,360"), ("resnet50v2", true, "25,613,800", "25,568,360"),
            ("resnet101v2", false, "42,626,560", "42,528,896"), ("resnet101v2", true, "44,675,560", "44,577,896"),
            ("resnet152v2", false, "58,331,648", "58,187,904"), ("resnet152v2", true, "60,380,648", "60,236,904"),
        ]
        for (model, top, total, trainable) in expected {
            let r = try zoo(["summary", model, "--size", top ? "224" : "32"] + (top ? ["--include-top"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("Total params: \(total) "), "\(model) top \(top)")
            XCTAssertTrue(r.stdout.contains("Trainable params: \(trainable) "), "\(model) top \(top)")
        }
    }

    /// VGG19 weights given to ResNet50V2: the load report, status 4, and one line naming the
    /// first layer that does not fit; the file fits its own model.
    func testAnotherFamilysWeightsAreRefused() throws {
        let dir = NSTemporaryDirectory() + "/zoo-families-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vgg19.h5"
        try exportKerasModel(try vgg19(inputSize: (32, 32)), to: path)
        let wrong = try zoo("load", "resnet50v2", "--size", "32", "--weights", path)
        XCTAssertEqual(wrong.status, 4, wrong.stderr)
        XCTAssertTrue(wrong.stdout.contains("shape-mismatch"), wrong.stdout)
        XCTAssertEqual(wrong.stderr.split(separator: "\n").count, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("first: layer conv1_conv: kernel expected (7, 7, 3, 64), found (3, 3, 3, 64)"),
                      wrong.stderr)
        let right = try zoo("load", "vgg19", "--size", "32", "--weights", path)
        XCTAssertEqual(right.status, 0, right.stderr)
        XCTAssertTrue(right.stdout.contains("32 loaded"), right.stdout)
    }

    func testSizesBelowTheMinimumAreUsageErrors() throws {
        for model in ["vgg19", "resnet101", "resnet152", "resnet50v2", "resnet101v2", "resnet152v2", "densenet121"] {
            let r = try zoo("summary", model, "--size", "31")
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(model): input size must be at least 32x32, got 31x31"), r.stderr)
        }
        // Before any features are computed.
        for command in ["finetune", "features"] {
            let r = try zoo(command, "--model", "resnet50v2", "--untrained", "--size", "16", "--output", "/nonexistent/x.h5")
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertEqual(r.stderr, "zoo: error: resnet50v2: input size must be at least 32x32, got 16x16 (see `zoo help`)\n")
        }
    }
}
