import Foundation
import XCTest
import ZooModels

/// Runs the built `zoo` executable and captures its output.
struct ZooRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func zoo(_ arguments: String...) throws -> ZooRun { try zoo(arguments) }

func zoo(_ arguments: [String], environment: [String: String] = [:]) throws -> ZooRun {
    // The test runner executable lives in the build products directory, next to `zoo`.
    let binary = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("zoo")
    let p = Process()
    p.executableURL = binary
    p.arguments = arguments
    p.currentDirectoryURL = repoRoot
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ZooRun(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                  stderr: String(decoding: e, as: UTF8.self))
}

let keras = "Tests/Fixtures/keras/"

final class CLITests: XCTestCase {
    func testSummaryTotalsEqualKeras() throws {
        // keras.applications.VGG16/ResNet50(include_top=True).count_params()
        XCTAssertTrue(try zoo("summary", "vgg16", "--size", "224", "--include-top").stdout.contains("Total params: 138,357,544"))
        let r = try zoo("summary", "resnet50", "--size", "224", "--include-top").stdout
        XCTAssertTrue(r.contains("Total params: 25,636,712"))
        XCTAssertTrue(r.contains("Non-trainable params: 53,120"))
        // Without the top at 32 px (keras-layer-order/*_notop: 14,714,688 and 23,587,712).
        XCTAssertTrue(try zoo("summary", "vgg16", "--size", "32").stdout.contains("Total params: 14,714,688"))
        XCTAssertTrue(try zoo("summary", "resnet50", "--size", "32").stdout.contains("Total params: 23,587,712"))
        XCTAssertTrue(try zoo("summary", "resnet50", "--size", "32").stdout.contains("(None, 1, 1, 2048)"))
    }

    func testCatalogueJSONIsCommitted() throws {
        let committed = try String(contentsOf: repoRoot.appendingPathComponent("Models/catalogue.json"), encoding: .utf8)
        XCTAssertEqual(try zoo("catalogue", "--json").stdout, committed,
                       "Models/catalogue.json is stale: run `zoo catalogue --json > Models/catalogue.json`")
    }

    func testInspectNamesEveryLayout() throws {
        let expected = ["tiny_vgg.keras1.h5": "keras1-flat", "tiny_vgg.keras2nested.h5": "keras2-nested",
                        "tiny_vgg.tfkeras.weights.h5": "keras2-nested", "tiny_vgg.tfkeras.model.h5": "full-model",
                        "tiny_vgg.k3.model.h5": "full-model", "tiny_vgg.k3.weights.h5": "keras3-weights",
                        "tiny_vgg.k3.keras": "keras-archive"]
        for (file, layout) in expected {
            let r = try zoo("inspect", keras + file, "--json")
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            XCTAssertEqual(json?["layout"] as? String, layout, file)
        }
    }

    func testBadInputsGiveOneLineErrorsAndStatus() throws {
        let cases: [([String], Int32, String)] = [
            (["inspect", "no/such/file.h5"], 3, "no such file"),
            (["inspect", keras + "not_hdf5.h5"], 3, "not an HDF5 file"),
            (["inspect", keras + "tiny_vgg.truncated.h5"], 3, "tiny_vgg.truncated.h5"),
            (["load", "vgg16", "--size", "32", "--weights", keras + "tiny_vgg.tfkeras.weights.h5"], 4, "block1_conv1"),
            (["load", "resnet50", "--size", "32", "--weights", keras + "tiny_vgg.keras1.h5"], 4, "weight problems"),
            (["summary", "vgg16", "--size", "31"], 64, "at least 32x32"),
            (["summary", "vgg16", "--size", "64", "--include-top"], 64, "224x224"),
            (["summary", "alexnet"], 64, "unknown model"),
            // The pipelines' own errors keep their statuses.
            (["evaluate", "--model-file", keras + "tiny_vgg.keras1.h5"], 3, "has no model config (a weights-only file)"),
            (["evaluate", "--model-file", keras + "tiny_vgg.k3.model.h5"], 1, "the model takes input (None, 16, 16, 3), not raw 28x28x1 digits"),
            (["train", "--model", "mlp", "--limit", "20", "--checkpoint-dir", "/nonexistent/zoo-checkpoints", "--resume",
              "--output", NSTemporaryDirectory() + "zoo-cli-test-never-written.h5"],
             1, "/nonexistent/zoo-checkpoints/checkpoint.h5: no checkpoint to resume from"),
        ]
        for (args, status, needle) in cases {
            let r = try zoo(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("HDF5-DIAG"), "\(args): \(r.stderr)")
        }
    }

    /// An unknown model is a usage mistake: status 64 before any work, one line naming the
    /// models the command takes.
    func testUnknownModelIsAUsageErrorListingTheModels() throws {
        // Every backbone of the catalogue, in its order, then the scratch models.
        let backboneNames = catalogue.map(\.name).joined(separator: ", ")
        XCTAssertTrue(backboneNames.hasPrefix("vgg16, vgg19, resnet50, "), backboneNames)
        let all = "unknown model 'alexnet'; the models are \(backboneNames), mlp, cnn (see `zoo help`)"
        let backbones = "unknown model 'alexnet'; the models are \(backboneNames) (see `zoo help`)"
        let cases: [([String], String)] = [
            (["finetune", "--model", "alexnet", "--untrained", "--output", "/nonexistent/x.h5"], backbones),
            (["features", "--model", "alexnet", "--untrained", "--output", "/nonexistent/x.h5"], backbones),
            (["train", "--model", "alexnet", "--output", "/nonexistent/x.h5"],
             "unknown model 'alexnet'; the models are mlp, cnn (see `zoo help`)"),
            (["train", "--model", "vgg16"], "unknown model 'vgg16'; the models are mlp, cnn (see `zoo help`)"),
            (["summary", "alexnet"], all),
            (["graph", "alexnet", "--output", "/nonexistent/x.dot"], all),
            (["bench", "alexnet"], all),
            (["load", "alexnet"], backbones),
            (["load", "mlp"], "unknown model 'mlp'; the models are \(backboneNames) (see `zoo help`)"),
            (["forward", "alexnet", "--input", "x.h5", "--output", "/nonexistent/y.h5"], backbones),
        ]
        for (args, line) in cases {
            let r = try zoo(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr, "zoo: error: \(line)\n", "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
        }
        // Model names are not case-sensitive, as before.
        XCTAssertEqual(try zoo("summary", "VGG16", "--size", "32").status, 0)
    }

    func testLoadReportListsEveryParameter() throws {
        let r = try zoo("load", "vgg16", "--size", "32", "--weights", keras + "tiny_vgg.tfkeras.weights.h5", "--json")
        XCTAssertEqual(r.status, 4)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let entries = json?["entries"] as? [[String: Any]] ?? []
        // 13 conv layers x (kernel, bias) in the model; the tiny file has 5 weighted layers.
        XCTAssertEqual(entries.filter { $0["status"] as? String != "unexpected" }.count, 26)
        XCTAssertTrue(entries.contains { $0["status"] as? String == "missing" })
    }

    /// `forward --input` is a user's HDF5 file like any other: read in the child process first
    /// (the timeout shows it is), and a damaged or foreign one ends in status 3 and one line.
    func testForwardChecksItsInputInAChildProcess() throws {
        let dir = NSTemporaryDirectory() + "zoo-forward-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = keras + "tiny_vgg.io.h5"
        let truncated = dir + "/truncated.h5"
        let bytes = try Data(contentsOf: repoRoot.appendingPathComponent(good))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let output = dir + "/out.h5"
        func forward(_ input: String, _ environment: [String: String] = [:]) throws -> ZooRun {
            try zoo(["forward", "vgg16", "--weights", keras + "tiny_vgg.keras1.h5", "--input", input, "--output", output],
                    environment: environment)
        }
        let cases: [(String, [String: String], Int32, [String])] = [
            (keras + "not_hdf5.h5", [:], 3, ["not_hdf5.h5", "not an HDF5 file"]),
            (truncated, [:], 3, [truncated]),
            (keras + "tiny_vgg.keras1.h5", [:], 3, ["tiny_vgg.keras1.h5", "input"]),  // HDF5, but no /input
            (good, ["ZOO_CHECK_TIMEOUT": "0.001"], 3, [good, "the HDF5 library did not finish reading this file"]),
            // A good input passes the check; this one is smaller than VGG16 takes.
            (good, [:], 1, ["at least 32x32"]),
        ]
        for (input, environment, status, needles) in cases {
            let r = try forward(input, environment)
            XCTAssertEqual(r.status, status, "\(input): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(input): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("zoo: error: "), "\(input): \(r.stderr)")
            for needle in needles { XCTAssertTrue(r.stderr.contains(needle), "\(input): \(needle) not in \(r.stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }

    func testBenchTimesFixedBatchesAndReportsPeakRSS() throws {
        // The cnn (28x28x1) keeps this fast in a debug build; --batches makes the count exact.
        let r = try zoo("bench", "cnn", "--batch-size", "2", "--warmup", "0", "--batches", "3", "--threads", "1", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["batches"] as? Int, 3)
        XCTAssertEqual(json?["size"] as? Int, 28)
        XCTAssertEqual(json?["threads"] as? Int, 1)
        XCTAssertTrue(["packed", "openblas"].contains(json?["gemm"] as? String ?? ""), r.stdout)
        XCTAssertGreaterThan(json?["peakRSSMegabytes"] as? Double ?? 0, 1)
        XCTAssertGreaterThan(json?["imagesPerSecond"] as? Double ?? 0, 0)
        let text = try zoo("bench", "cnn", "--batch-size", "2", "--batches", "1")
        XCTAssertTrue(text.stdout.contains("1 batches in"), text.stdout)
        XCTAssertTrue(text.stdout.contains("peak RSS"), text.stdout)
        XCTAssertEqual(try zoo("bench", "cnn", "--batches", "0").status, 64)
    }

    func testHelpExplainsEveryFlag() throws {
        for command in ["inspect", "summary", "load", "forward", "bench", "catalogue"] {
            let r = try zoo("help", command)
            XCTAssertEqual(r.status, 0)
            XCTAssertFalse(r.stdout.isEmpty)
        }
    }
}
