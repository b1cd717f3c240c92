import Foundation
import XCTest
import ZooHDF5
import ZooModels

/// MobileNetV3's `--alpha` and `--minimalistic` through the CLI: Keras's parameter counts for
/// each variant with official weights, the usage errors, the look-alikes of the official files
/// (tools/make_v3_fixtures.py, written by tf_keras with its `Conv/BatchNorm` names) loaded by
/// name and run by `forward` against tf_keras's output, and the feature cache keeping variants apart.
final class MobileNetV3CLITests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "/zoo-v3-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func fixture(_ relative: String) -> String { repoRoot.appendingPathComponent("Tests/Fixtures/\(relative)").path }

    func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }

    /// layers16/param_counts.json: Keras's counts of every variant (tools/make_layers16_fixtures.py).
    func testSummaryTotalsEqualKerasForEveryVariantWithWeights() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("layers16/param_counts.json")))
        let counts = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Int]])
        for model in ["mobilenetv3small", "mobilenetv3large"] {
            for (alpha, minimalistic) in [(0.75, false), (1.0, false), (1.0, true)] {
                let key = "\(model)_\(alpha)\(minimalistic ? "_minimalistic" : "")"
                let flags = ["--alpha", "\(alpha)"] + (minimalistic ? ["--minimalistic"] : [])
                for (size, top, count) in [(32, false, "parameters"), (224, true, "parameters_top")] {
                    let r = try zoo(["summary", model, "--size", "\(size)"] + flags + (top ? ["--include-top"] : []))
                    XCTAssertEqual(r.status, 0, r.stderr)
                    let expected = try XCTUnwrap(counts[key]?[count], key)
                    XCTAssertTrue(r.stdout.contains("Total params: \(grouped(expected)) "), "\(key) \(count): want \(grouped(expected))")
                }
            }
        }
    }

    func testUsageErrorsNameTheModel() throws {
        let cases: [([String], String)] = [
            (["summary", "vgg16", "--minimalistic"], "vgg16 has no minimalistic variant; only mobilenetv3small and mobilenetv3large do"),
            (["summary", "mlp", "--minimalistic"], "mlp takes no --minimalistic; only mobilenetv3small and mobilenetv3large do"),
            (["summary", "mobilenetv3large", "--alpha", "0.75", "--minimalistic"],
             "mobilenetv3large: minimalistic at alpha 0.75 has no official weights; minimalistic takes alpha 1.0 only"),
            (["load", "mobilenetv3small", "--alpha", "0.5"], "mobilenetv3small: alpha 0.5 has no official weights; it must be one of 0.75, 1.0"),
            (["features", "--model", "mobilenetv2", "--minimalistic", "--untrained", "--output", dir + "/f.h5"],
             "mobilenetv2 has no minimalistic variant"),
            (["finetune", "--model", "mobilenetv3small", "--alpha", "0.75", "--minimalistic", "--untrained", "--output", dir + "/m.h5"],
             "minimalistic at alpha 0.75 has no official weights"),
            (["bench", "efficientnetb0", "--minimalistic"], "efficientnetb0 has no minimalistic variant"),
            (["predict", "--model-file", dir + "/m.h5", "--minimalistic"], "--weights, --include-top, --alpha and --minimalistic need --model MODEL"),
        ]
        for (arguments, message) in cases {
            let r = try zoo(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        for command in ["summary", "features", "finetune", "bench", "load", "forward", "graph", "predict"] {
            // ArgumentParser wraps the help at 80 columns.
            let help = try zoo("help", command).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            XCTAssertTrue(help.contains("--minimalistic"), "\(command): \(help)")
            XCTAssertTrue(help.contains("0.75, 1.0 for mobilenetv3small"), "\(command): \(help)")
        }
    }

    /// tf_keras's names load by name, every weight listed; `forward` on the no-top file equals
    /// tf_keras's output; `inspect` names the variant and its flags.
    func testOfficialNamedFilesThroughTheCLI() throws {
        let top = fixture("v3opts/mobilenetv3small_0.75_top.h5")
        let load = try zoo("load", "mobilenetv3small", "--alpha", "0.75", "--size", "224", "--include-top", "--weights", top, "--by-name")
        XCTAssertEqual(load.status, 0, load.stderr)
        let model = try mobilenetv3small(alpha: 0.75, includeTop: true)
        let weights = model.layers.reduce(0) { $0 + $1.weights.count }
        XCTAssertTrue(load.stdout.hasSuffix("\(weights) loaded\n"), load.stdout)
        XCTAssertTrue(load.stdout.contains("/Conv/BatchNorm/Conv/BatchNorm/moving_variance:0"), load.stdout)
        let inspect = try zoo("inspect", top)
        XCTAssertTrue(inspect.stdout.contains("mobilenetv3small --alpha 0.75 (include_top=True)"), inspect.stdout)
        // alpha 1.0 does not fit alpha 0.75's file.
        let wrong = try zoo("load", "mobilenetv3small", "--size", "224", "--include-top", "--weights", top, "--by-name")
        XCTAssertEqual(wrong.status, 4, wrong.stderr)

        let noTop = fixture("v3opts/mobilenetv3small_1.0_minimalistic_no_top.h5")
        let inspectNoTop = try zoo("inspect", noTop)
        XCTAssertTrue(inspectNoTop.stdout.contains("mobilenetv3small --alpha 1.0 --minimalistic (include_top=False)"), inspectNoTop.stdout)
        // FormulaWeights' input plus 128, as tools/make_v3_fixtures.py feeds tf_keras.
        let expected = try H5File.open(noTop).root.dataset("output_32")
        let input = dir + "/input.h5"
        do {
            let f = try H5File.create(input)
            _ = try f.root.createDataset("input", shape: [2, 32, 32, 3], floats: formulaPixels(2 * 32 * 32 * 3))
        }
        for byName in [false, true] {
            let out = dir + "/out\(byName).h5"
            let r = try zoo(["forward", "mobilenetv3small", "--minimalistic", "--size", "32", "--weights", noTop, "--input", input,
                             "--output", out] + (byName ? ["--by-name"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            let y = try H5File.open(out).root.dataset("output").readFloats()
            let e = try expected.readFloats()
            let err = zip(y, e).map { abs($0 - $1) }.max()! / e.map(abs).max()!
            XCTAssertLessThanOrEqual(err, 1e-4, "forward against tf_keras (by name: \(byName))")
        }
    }

    /// Each variant's features are cached apart, and the variant's weights fit only it.
    func testFeaturesOfVariantsAreCachedApart() throws {
        var dimensions: [Int] = []
        for flags in [[], ["--minimalistic"], ["--alpha", "0.75"]] {
            let out = dir + "/f\(dimensions.count).h5"
            let r = try zoo(["features", "--model", "mobilenetv3small", "--untrained", "--size", "32", "--limit", "8",
                             "--cache-dir", dir + "/cache", "--output", out, "--json"] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("\"cacheHit\":false") || r.stdout.contains("\"cacheHit\" : false"), "\(flags): \(r.stdout)")
            dimensions.append(try H5File.open(out).root.dataset("features").shape[1])
        }
        XCTAssertEqual(dimensions, [576, 576, 432])
        let again = try zoo("features", "--model", "mobilenetv3small", "--minimalistic", "--untrained", "--size", "32", "--limit", "8",
                            "--cache-dir", dir + "/cache", "--output", dir + "/again.h5", "--json")
        XCTAssertTrue(again.stdout.contains("\"cacheHit\":true") || again.stdout.contains("\"cacheHit\" : true"), again.stdout)
    }

    /// finetune on the minimalistic variant, frozen and with its top layers unfrozen; --unfreeze
    /// is checked against that variant's layers with weights (it has no squeeze-and-excite convolutions).
    func testFinetuneTakesTheMinimalisticVariant() throws {
        let minimalistic = try mobilenetv3small(inputSize: (32, 32), minimalistic: true).weightedLayers.count
        XCTAssertLessThan(minimalistic, try mobilenetv3small(inputSize: (32, 32)).weightedLayers.count)
        let tooMany = try zoo("finetune", "--model", "mobilenetv3small", "--minimalistic", "--untrained", "--size", "32",
                              "--unfreeze", "\(minimalistic + 1)", "--output", dir + "/m.h5")
        XCTAssertEqual(tooMany.status, 64, tooMany.stderr)
        XCTAssertTrue(tooMany.stderr.contains("--unfreeze must be in 0...\(minimalistic) for mobilenetv3small"), tooMany.stderr)
        let out = dir + "/minimalistic.h5"
        let r = try zoo("finetune", "--model", "mobilenetv3small", "--minimalistic", "--untrained", "--size", "32", "--limit", "16",
                        "--epochs", "1", "--hidden", "0", "--unfreeze", "3", "--cache-dir", dir + "/cache", "--output", out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try zoo("summary", "--model-file", out)
        XCTAssertEqual(summary.status, 0, summary.stderr)
        XCTAssertFalse(summary.stdout.contains("squeeze_excite"), "the minimalistic backbone was exported")
        XCTAssertTrue(summary.stdout.contains("expanded_conv_depthwise"), summary.stdout)
    }

    /// FormulaWeights.input (tools/make_builder_fixtures.py's `uniform` times 120) plus 128.
    func formulaPixels(_ count: Int) -> [Float] {
        var key: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "input".utf8 { key = (key ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return (1...count).map { i in
            var z = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ key
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(Double(z >> 40) / Double(1 << 23) - 1) * 120 + 128
        }
    }
}
