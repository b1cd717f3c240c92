import XCTest
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooModels
import ZooTensor
import ZooTestSupport

/// The official MobileNetV3 files were written by tf.keras, whose builder names the layers
/// `Conv`, `Conv/BatchNorm`, `expanded_conv/squeeze_excite/Conv_1`, `Logits`, where zoo's (Keras
/// 3's) are `conv`, `conv_bn`, `expanded_conv_squeeze_excite_conv_1`, `logits`.
/// tools/make_v3_fixtures.py writes look-alikes with tf_keras's `save_weights` (seeded weights,
/// BatchNorm statistics far from the identity) and tf_keras's output on 0-255 pixels; zoo loads
/// them by position and by name, every weight, and matches tf_keras within 1e-4 of its largest
/// magnitude without the top at 32x32 and with it at 224x224.
final class MobileNetV3OfficialNamesTests: XCTestCase {
    /// (fixture variant, builder, classes of its top)
    let variants: [(name: String, classes: Int, build: (_ size: Int, _ includeTop: Bool, _ classes: Int) throws -> Model)] = [
        ("mobilenetv3small_0.75", 1000, { try mobilenetv3small(inputSize: ($0, $0), alpha: 0.75, includeTop: $1, classes: $2) }),
        ("mobilenetv3small_1.0_minimalistic", 10,
         { try mobilenetv3small(inputSize: ($0, $0), minimalistic: true, includeTop: $1, classes: $2) }),
        ("mobilenetv3large_0.75", 10, { try mobilenetv3large(inputSize: ($0, $0), alpha: 0.75, includeTop: $1, classes: $2) }),
        ("mobilenetv3large_1.0_minimalistic", 10,
         { try mobilenetv3large(inputSize: ($0, $0), minimalistic: true, includeTop: $1, classes: $2) }),
    ]

    /// FormulaWeights' input plus 128: 0-255 pixels, as the fixture script makes them.
    func pixels(_ shape: [Int]) -> Tensor {
        let u = FormulaWeights.input(shape: shape)
        return Tensor(shape: u.shape, data: u.data.map { $0 + 128 })
    }

    func relativeError(_ y: Tensor, _ expected: Tensor) -> Float {
        zip(y.data, expected.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / expected.maxAbs
    }

    /// Loads `fixture` into `model`, requiring every weight of the model loaded (by-name loading
    /// may leave the file's top unused: `unexpected` is then all that remains).
    func load(_ fixture: String, into model: Model, mode: LoadMode, file: StaticString = #filePath, line: UInt = #line) throws -> LoadReport {
        let report = try loadWeights(into: model, from: try KerasWeightFile(path: fixturePath(fixture)), mode: mode)
        XCTAssertTrue(report.problems.isEmpty, "\(fixture) \(mode): \(report.problems.prefix(3).map(report.problemSentence))", file: file, line: line)
        XCTAssertEqual(report.loadedCount, model.layers.reduce(0) { $0 + $1.weights.count }, "\(fixture) \(mode)", file: file, line: line)
        XCTAssertEqual(Set(report.entries.filter { $0.status == .loaded }.map(\.layer)), Set(model.weightedLayers.map(\.name)),
                       "every weighted layer is in the report", file: file, line: line)
        return report
    }

    func testOfficialNamedFilesLoadByNameAndMatchTfKeras() throws {
        for v in variants {
            let fixture = "v3opts/\(v.name)_top.h5"
            // Without the top at the minimum size: the top file by name (its Conv_2 and Logits unused).
            let model = try v.build(32, false, v.classes)
            let report = try load(fixture, into: model, mode: .byName)
            XCTAssertEqual(Set(report.entries.filter { $0.status == .unexpected }.map(\.layer)), ["Conv_2", "Logits"], v.name)
            XCTAssertTrue(report.entries.contains { $0.layer == "conv_bn" && $0.source?.contains("Conv/BatchNorm/") == true }, v.name)
            let expected32 = try fixtureTensor(fixture, dataset: "output_32")
            let y32 = try model.predict(pixels([2, 32, 32, 3]))
            assertClose(y32, expected32, rtol: 1e-4, "\(v.name) at 32x32 by name")
            assertClose(try model.fusedForInference().predict(pixels([2, 32, 32, 3])), expected32, rtol: 1e-4, "\(v.name) fused")

            // With the top at 224x224, by name and by position (Keras's own load_weights).
            let expected = try fixtureTensor(fixture, dataset: "output_224_top")
            let logits = try fixtureTensor(fixture, dataset: "logits_224")
            var errors = [relativeError(y32, expected32)]
            for mode in [LoadMode.byName, .topological] {
                let top = try v.build(224, true, v.classes)
                _ = try load(fixture, into: top, mode: mode)
                let y = try top.fusedForInference().predict(pixels([1, 224, 224, 3]))
                assertClose(y, expected, rtol: 1e-4, "\(v.name) with the top, \(mode)")
                // The softmax of near-equal logits hides their differences: compare the logits,
                // which log(softmax) gives back up to a constant.
                let centred = { (t: [Float]) in t.map { $0 - t.reduce(0, +) / Float(t.count) } }
                let mine = Tensor(shape: logits.shape, data: centred(y.data.map { log($0) }))
                let theirs = Tensor(shape: logits.shape, data: centred(logits.data))
                assertClose(mine, theirs, rtol: 1e-4, "\(v.name) logits, \(mode)")
                errors += [relativeError(y, expected), relativeError(mine, theirs)]
            }
            print("\(v.name): max |zoo - tf_keras| / max |tf_keras|: 32x32 no top \(errors[0]); 224x224 top "
                  + "by name \(errors[1]) (logits \(errors[2])), by position \(errors[3]) (logits \(errors[4]))")
        }
    }

    /// The official `_no_top_v2` layout: the same names without Conv_2 and Logits.
    func testNoTopFileLoadsBothWays() throws {
        let fixture = "v3opts/mobilenetv3small_1.0_minimalistic_no_top.h5"
        for mode in [LoadMode.byName, .topological] {
            let model = try mobilenetv3small(inputSize: (32, 32), minimalistic: true)
            let report = try load(fixture, into: model, mode: mode)
            XCTAssertTrue(report.entries.allSatisfy { $0.status == .loaded }, "\(mode)")
            let expected = try fixtureTensor(fixture, dataset: "output_32")
            let y = try model.predict(pixels([2, 32, 32, 3]))
            assertClose(y, expected, rtol: 1e-4, "no-top file, \(mode)")
            print("mobilenetv3small_1.0_minimalistic no-top file, \(mode): \(relativeError(y, expected))")
        }
    }

    /// The spelling rule matches only where it is unambiguous, and a wrong variant is refused.
    func testScopedNamesAreMatchedOnlyWhereUnambiguous() throws {
        // alpha 1.0 does not take alpha 0.75's file: the report names the shapes.
        let wrong = try mobilenetv3small(inputSize: (32, 32))
        let report = try loadWeights(into: wrong, from: try KerasWeightFile(path: fixturePath("v3opts/mobilenetv3small_0.75_top.h5")),
                                     mode: .byName)
        XCTAssertFalse(report.problems.isEmpty)
        XCTAssertTrue(report.problems.contains { $0.status == .shapeMismatch && $0.layer == "conv_1" }, "\(report.problems.prefix(2))")
        // A model with both spellings of a name ("conv_bn" and "Conv_bn" both spell conv_bn) takes neither by the rule.
        let m = Model(name: "two")
        var x = try m.input("input_1", shape: [8, 8, 3])
        x = try m(Conv2D("conv", filters: 16, kernelSize: 3, strides: 2, padding: .same, useBias: false), x)
        x = try m(BatchNormalization("conv_bn", epsilon: 1e-3), x)
        x = try m(BatchNormalization("Conv_bn", epsilon: 1e-3), x)
        let both = try loadWeights(into: m, from: try KerasWeightFile(path: fixturePath("v3opts/mobilenetv3small_0.75_top.h5")),
                                   mode: .byName)
        XCTAssertEqual(Set(both.entries.filter { $0.status == .missing }.map(\.layer)), ["conv_bn", "Conv_bn"])
        XCTAssertTrue(both.entries.contains { $0.layer == "conv" && $0.status == .loaded })
    }
}
