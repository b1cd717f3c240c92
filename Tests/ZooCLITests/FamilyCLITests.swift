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

    /// keras.applications InceptionV3 and Xception (weights=None): count_params and the trainable
    /// part without the top at the minimum size and with it at 299.
    func testInceptionXceptionSummaryTotalsEqualKeras() throws {
        let expected: [(String, String, String, String)] = [
            ("inceptionv3", "75", "21,802,784", "21,768,352"), ("inceptionv3", "299", "23,851,784", "23,817,352"),
            ("xception", "71", "20,861,480", "20,806,952"), ("xception", "299", "22,910,480", "22,855,952"),
        ]
        for (model, size, total, trainable) in expected {
            let r = try zoo(["summary", model, "--size", size] + (size == "299" ? ["--include-top"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("Total params: \(total) "), "\(model) \(size)")
            XCTAssertTrue(r.stdout.contains("Trainable params: \(trainable) "), "\(model) \(size)")
        }
    }

    /// DenseNet121 weights given to InceptionV3 and Xception: the load report, status 4, one line
    /// naming the first layer that does not fit.
    func testDenseNetWeightsAreRefusedByInceptionAndXception() throws {
        let dir = NSTemporaryDirectory() + "/zoo-inception-xception-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/densenet121.h5"
        try exportKerasModel(try densenet121(inputSize: (32, 32)), to: path)
        for (model, size, first) in [("inceptionv3", "75", "layer conv2d: kernel expected (3, 3, 3, 32), found (7, 7, 3, 64)"),
                                     ("xception", "71", "layer block1_conv1: kernel expected (3, 3, 3, 32), found (7, 7, 3, 64)")] {
            let r = try zoo("load", model, "--size", size, "--weights", path)
            XCTAssertEqual(r.status, 4, r.stderr)
            XCTAssertTrue(r.stdout.contains("shape-mismatch"), r.stdout)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("first: \(first)"), r.stderr)
        }
    }

    func testInceptionXceptionSizeLimitsAreUsageErrors() throws {
        for (model, size, message) in [("inceptionv3", "74", "inceptionv3: input size must be at least 75x75, got 74x74"),
                                       ("xception", "70", "xception: input size must be at least 71x71, got 70x70")] {
            for command in [["summary", model], ["forward", model], ["finetune", "--model", model, "--untrained"]] {
                let r = try zoo(command + ["--size", size])
                XCTAssertEqual(r.status, 64, r.stderr)
                XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains(message), r.stderr)
            }
        }
        let top = try zoo("summary", "xception", "--size", "224", "--include-top")
        XCTAssertEqual(top.status, 64, top.stderr)
        XCTAssertTrue(top.stderr.contains("include_top needs a 299x299 input"), top.stderr)
    }
}
