import Foundation
import XCTest
import ZooHDF5
import ZooData
import ZooKeras
import ZooLayers
import ZooModels
import ZooTraining

/// MobileNet V1/V2 with Keras's `alpha` and EfficientNet B0-B7 through the CLI: Keras's parameter
/// counts (from the committed fixtures, which Keras wrote), every command, --alpha's usage
/// errors, the weight file chosen by alpha and size, an unverified download said to be so, and
/// `predict --include-top` printing ImageNet classes.
final class AlphaEfficientNetCLITests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "/zoo-alpha-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Keras's count_params as `model.summary()` prints it: 1,234,567.
    func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }

    func fixtureInt(_ relative: String, _ key: String) throws -> Int {
        let f = try H5File.open(repoRoot.appendingPathComponent("Tests/Fixtures/\(relative)").path)
        guard case let .int(v) = try f.root.attribute(key) else { throw HDF5Error.wrongKind(file: relative, path: key, expected: "int") }
        return Int(v)
    }

    func assertSummary(_ arguments: [String], total: Int, trainable: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try zoo(["summary"] + arguments)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stdout.contains("Total params: \(grouped(total)) "), "\(arguments): want \(grouped(total))", file: file, line: line)
        XCTAssertTrue(r.stdout.contains("Trainable params: \(grouped(trainable)) "), "\(arguments)", file: file, line: line)
    }

    /// tools/make_family_fixtures.py's counts: without the top at 32 px, with it at 224.
    func testSummaryTotalsEqualKerasForEveryAlpha() throws {
        for (model, alphas) in [("mobilenet", [0.25, 0.5, 0.75, 1.0]), ("mobilenetv2", [0.35, 0.5, 0.75, 1.0, 1.3, 1.4])] {
            for alpha in alphas {
                let fixture = "families/\(model)_\(alpha)_32.h5"
                try assertSummary([model, "--alpha", "\(alpha)", "--size", "32"], total: try fixtureInt(fixture, "parameters"),
                                  trainable: try fixtureInt(fixture, "trainable_parameters"))
                try assertSummary([model, "--alpha", "\(alpha)", "--size", "224", "--include-top"],
                                  total: try fixtureInt(fixture, "parameters_top"), trainable: try fixtureInt(fixture, "trainable_parameters_top"))
            }
        }
        // No --alpha is Keras's default 1.0.
        try assertSummary(["mobilenetv2", "--size", "32"], total: try fixtureInt("families/mobilenetv2_1.0_32.h5", "parameters"),
                          trainable: try fixtureInt("families/mobilenetv2_1.0_32.h5", "trainable_parameters"))
    }

    /// tools/make_efficientnet_fixtures.py's counts: without the top at 32 px, with it at the default size.
    func testSummaryTotalsEqualKerasForEveryEfficientNet() throws {
        for (k, size) in [224, 240, 260, 300, 380, 456, 528, 600].enumerated() {
            let fixture = "efficientnet/efficientnetb\(k)_32.h5"
            try assertSummary(["efficientnetb\(k)", "--size", "32"], total: try fixtureInt(fixture, "parameters"),
                              trainable: try fixtureInt(fixture, "trainable_parameters"))
            try assertSummary(["efficientnetb\(k)", "--size", "\(size)", "--include-top"], total: try fixtureInt(fixture, "parameters_top"),
                              trainable: try fixtureInt(fixture, "trainable_parameters_top"))
        }
        let r = try zoo("summary", "efficientnetb1", "--size", "224", "--include-top")
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("efficientnetb1: include_top needs a 240x240 input, got 224x224"), r.stderr)
    }

    func testAlphaUsageErrors() throws {
        let cases: [([String], String)] = [
            (["summary", "mobilenet", "--alpha", "0.35"], "mobilenet: alpha 0.35 has no official weights; it must be one of 0.25, 0.5, 0.75, 1.0"),
            (["summary", "mobilenetv2", "--alpha", "0.25"], "mobilenetv2: alpha 0.25 has no official weights; it must be one of 0.35, 0.5, 0.75, 1.0, 1.3, 1.4"),
            (["summary", "vgg16", "--alpha", "1.0"], "vgg16 takes no alpha (got 1.0); only mobilenet, mobilenetv2, mobilenetv3small and mobilenetv3large do"),
            (["summary", "mlp", "--alpha", "0.5"], "mlp takes no --alpha; only mobilenet, mobilenetv2, mobilenetv3small and mobilenetv3large do"),
            (["load", "efficientnetb0", "--alpha", "0.5"], "efficientnetb0 takes no alpha"),
            (["features", "--model", "resnet50", "--alpha", "0.5", "--untrained", "--output", dir + "/f.h5"], "resnet50 takes no alpha"),
            (["finetune", "--model", "mobilenet", "--alpha", "2", "--untrained", "--output", dir + "/m.h5"], "alpha 2.0 has no official weights"),
            (["bench", "mobilenetv2", "--alpha", "0.3"], "alpha 0.3 has no official weights"),
            (["graph", "densenet121", "--alpha", "0.5", "--output", dir + "/g.dot"], "densenet121 takes no alpha"),
        ]
        for (arguments, message) in cases {
            let r = try zoo(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        let help = try zoo("help", "summary").stdout
        XCTAssertTrue(help.contains("0.25, 0.5, 0.75, 1.0 for mobilenet"), help)
        XCTAssertTrue(help.contains("0.35, 0.5, 0.75, 1.0, 1.3, 1.4 for mobilenetv2"), help)
    }

    /// A file of one alpha fits that alpha only; inspect names the model with its alpha; forward,
    /// bench, graph, features and finetune (frozen and unfrozen) take --alpha.
    func testEveryCommandTakesMobileNetAtAnAlpha() throws {
        let weights = dir + "/mobilenetv2_0.35.h5"
        let model = try mobilenetv2(inputSize: (32, 32), alpha: 0.35)
        model.initializeKerasDefaults(seed: 3)
        try exportKerasModel(model, to: weights)

        let load = try zoo("load", "mobilenetv2", "--alpha", "0.35", "--size", "32", "--weights", weights)
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertTrue(load.stdout.contains("loaded"), load.stdout)
        let wrong = try zoo("load", "mobilenetv2", "--size", "32", "--weights", weights)
        XCTAssertEqual(wrong.status, 4, "alpha 1.0 does not take alpha 0.35's weights: \(wrong.stderr)")
        XCTAssertTrue(wrong.stderr.contains("first: layer Conv1: kernel expected (3, 3, 3, 32), found (3, 3, 3, 16)"), wrong.stderr)

        let inspect = try zoo("inspect", weights)
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("mobilenetv2 --alpha 0.35 (include_top=False)"), inspect.stdout)

        let input = dir + "/input.h5"
        do {
            let f = try H5File.create(input)
            _ = try f.root.createDataset("input", shape: [2, 32, 32, 3], floats: (0..<(2 * 32 * 32 * 3)).map { Float($0 % 17) / 8 - 1 })
        }
        let forward = try zoo("forward", "mobilenetv2", "--alpha", "0.35", "--weights", weights, "--input", input, "--output", dir + "/out.h5")
        XCTAssertEqual(forward.status, 0, forward.stderr)
        XCTAssertEqual(try H5File.open(dir + "/out.h5").root.dataset("output").shape, [2, 1, 1, 1280])

        let bench = try zoo("bench", "mobilenet", "--alpha", "0.25", "--size", "32", "--batch-size", "2", "--batches", "1", "--warmup", "0")
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let graph = try zoo("graph", "mobilenet", "--alpha", "0.5", "--size", "32", "--output", dir + "/g.dot")
        XCTAssertEqual(graph.status, 0, graph.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir + "/g.dot", encoding: .utf8).contains("conv_pw_13"))

        let features = try zoo("features", "--model", "mobilenetv2", "--alpha", "0.35", "--weights", weights, "--size", "32",
                               "--limit", "8", "--no-cache", "--output", dir + "/features.h5")
        XCTAssertEqual(features.status, 0, features.stderr)
        XCTAssertEqual(try H5File.open(dir + "/features.h5").root.dataset("features").shape, [8, 1280])

        for unfreeze in ["0", "3"] {
            let out = dir + "/finetuned\(unfreeze).h5"
            let r = try zoo("finetune", "--model", "mobilenet", "--alpha", "0.25", "--untrained", "--size", "32", "--limit", "40",
                            "--epochs", "1", "--hidden", "0", "--unfreeze", unfreeze, "--cache-dir", dir + "/cache", "--output", out)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out), r.stdout)
        }
        // Cached features of one width are not taken for another.
        let other = try zoo("features", "--model", "mobilenet", "--alpha", "0.5", "--untrained", "--size", "32", "--limit", "40",
                            "--cache-dir", dir + "/cache", "--output", dir + "/f05.h5", "--json")
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stdout.contains("\"cacheHit\":false") || other.stdout.contains("\"cacheHit\" : false"), other.stdout)
        XCTAssertEqual(try H5File.open(dir + "/f05.h5").root.dataset("features").shape, [40, 512])
    }

    /// EfficientNet through features and finetune with unfrozen layers: backward through the
    /// squeeze-and-excitation gates and the per-image Dropout.
    func testEfficientNetFinetunesWithUnfrozenLayers() throws {
        let out = dir + "/efficientnet.h5"
        let r = try zoo("finetune", "--model", "efficientnetb0", "--untrained", "--size", "32", "--limit", "16", "--epochs", "1",
                        "--hidden", "0", "--unfreeze", "4", "--cache-dir", dir + "/cache", "--output", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out), r.stdout)
        // The exported model takes raw digits: the identity preprocessing, then EfficientNet's own scaling.
        let summary = try zoo("summary", "--model-file", out)
        XCTAssertTrue(summary.stdout.contains("passthrough_preprocess"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("rescaling_1"), summary.stdout)
        let evaluate = try zoo("evaluate", "--model-file", out, "--limit", "10")
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
    }

    /// Keras publishes no hash for MobileNet's files: the download works and says it was not
    /// verified; the file is the one Keras picks for the alpha and rows (224's for other sizes).
    func testAnUnhashedDownloadIsReportedAsUnverified() throws {
        let serve = dir + "/serve", home = dir + "/keras"
        try FileManager.default.createDirectory(atPath: serve, withIntermediateDirectories: true)
        let model = try mobilenet(inputSize: (32, 32), alpha: 0.25)
        model.initializeKerasDefaults(seed: 1)
        try exportKerasModel(model, to: serve + "/m.h5")
        let port = Int.random(in: 20000..<60000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", serve]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        Thread.sleep(forTimeInterval: 1.5)

        let official = try catalogueEntry("mobilenet").resolved(alpha: 0.25, size: 32)
        XCTAssertEqual(official.weightsNoTop.fileName, "mobilenet_2_5_224_tf_no_top.h5", "no weights for 32 px: 224's, as Keras")
        XCTAssertEqual(try catalogueEntry("mobilenet").resolved(alpha: 0.75, size: 160).weightsTop.fileName, "mobilenet_7_5_160_tf.h5")
        XCTAssertEqual(try catalogueEntry("mobilenetv2").resolved(alpha: 1.4, size: 96).weightsNoTop.fileName,
                       "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.4_96_no_top.h5")
        let unhashed: [String: Any] = ["fileName": official.weightsNoTop.fileName, "url": "http://127.0.0.1:\(port)/m.h5", "fileHash": NSNull()]
        let replacement = dir + "/catalogue.json"
        try JSONSerialization.data(withJSONObject: [["name": "mobilenet", "weightsTop": unhashed, "weightsNoTop": unhashed]])
            .write(to: URL(fileURLWithPath: replacement))
        let environment = ["KERAS_HOME": home, "ZOO_WEIGHTS_CATALOGUE": replacement]
        let r = try zoo(["load", "mobilenet", "--alpha", "0.25", "--size", "32"], environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("mobilenet: no weights for 32x32 inputs (only 128, 160, 192, 224); the 224x224 weights are loaded"), r.stderr)
        XCTAssertTrue(r.stderr.contains("mobilenet_2_5_224_tf_no_top.h5: keras.applications publishes no hash for this file, so it was not verified"),
                      r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: home + "/models/mobilenet_2_5_224_tf_no_top.h5"))
        // Only a file Keras publishes no hash for may come without one.
        try JSONSerialization.data(withJSONObject: [["name": "efficientnetb0", "weightsTop": unhashed, "weightsNoTop": unhashed]])
            .write(to: URL(fileURLWithPath: replacement))
        let refused = try zoo(["load", "efficientnetb0", "--size", "32"], environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("has no file hash, where the official file has one"), refused.stderr)
    }

    /// `predict --model M --include-top`: the top-5 ImageNet classes of each digit, the names of
    /// Keras's class index, highest probability first, and the probabilities written.
    func testPredictWithTheTopPrintsImageNetClasses() throws {
        let weights = dir + "/top.h5"
        let model = try mobilenet(inputSize: (224, 224), alpha: 0.25, includeTop: true)
        model.initializeKerasDefaults(seed: 5)
        try exportKerasModel(model, to: weights)
        let out = dir + "/p.h5"
        let r = try zoo("predict", "--model", "mobilenet", "--alpha", "0.25", "--include-top", "--weights", weights, "--limit", "2",
                        "--output", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("digit 0 (label ") ?? false, r.stdout)
        let probabilities = try H5File.open(out).root.dataset("probabilities")
        XCTAssertEqual(probabilities.shape, [2, 1000])
        let p = try probabilities.readFloats()
        for digit in 0..<2 {
            let row = Array(p[(digit * 1000)..<((digit + 1) * 1000)])
            let best = row.indices.sorted { row[$0] > row[$1] }.prefix(5)
            let block = lines.drop { !$0.hasPrefix("digit \(digit) ") }.dropFirst().prefix(5)
            XCTAssertEqual(block.count, 5, r.stdout)
            for (rank, (line, index)) in zip(block, best).enumerated() {
                let c = ImageNetClasses.classes[index]
                XCTAssertEqual(line, "  \(rank + 1). \(c.wnid) \(c.name) " + String(format: "%.4f", row[index]))
            }
        }
        let usage = try zoo("predict", "--model", "mobilenet", "--output", out)
        XCTAssertEqual(usage.status, 64, usage.stderr)
        XCTAssertTrue(usage.stderr.contains("needs --include-top"), usage.stderr)
        let both = try zoo("predict", "--model", "mobilenet", "--include-top", "--model-file", weights, "--output", out)
        XCTAssertEqual(both.status, 64, both.stderr)
    }

    /// `predict --model M --include-top IMAGE ...`: image files are decoded at the model's size,
    /// preprocessed as the family's preprocess_input, and named in the output; the probabilities
    /// are those of the same model on the same pixels.
    func testPredictWithTheTopOnImageFiles() throws {
        let weights = dir + "/top.h5"
        let model = try mobilenet(inputSize: (224, 224), alpha: 0.25, includeTop: true)
        model.initializeKerasDefaults(seed: 5)
        try exportKerasModel(model, to: weights)
        let folder = "Tests/Fixtures/images/folder"
        let files = try imageFiles([folder]).prefix(2).map { $0 }
        let out = dir + "/p.h5"
        let r = try zoo(["predict", "--model", "mobilenet", "--alpha", "0.25", "--include-top", "--weights", weights,
                         "--output", out] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix(files[0] + ":"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\n" + files[1] + ":"), r.stdout)
        let batch = try ImageDataSettings().loading(height: 224, width: 224, colorMode: .rgb).load(files)
        let expected = Trainer.predict(try model.fusedForInference(), x: PreprocessingMode.tf.preprocessInput(batch.pixels),
                                       batchSize: 2)
        let written = try H5File.open(out).root.dataset("probabilities").readFloats()
        XCTAssertEqual(written.count, expected.data.count)
        for (a, b) in zip(written, expected.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
}
