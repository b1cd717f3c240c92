import XCTest
import ZooLayers
import ZooModels
import ZooTestSupport

/// MobileNetV3's `alpha` and `minimalistic` in the catalogue: the entry resolved at each of the
/// combinations Keras publishes weights for builds that architecture (Keras's count_params from
/// tools/make_layers16_fixtures.py's param_counts.json) and names the file mobilenet_v3.py
/// downloads for it, with its md5 from `WEIGHTS_HASHES`; the other combinations are refused.
final class MobileNetV3OptionsTests: XCTestCase {
    /// layers16/param_counts.json: Keras's counts of every variant, written by Keras.
    func kerasCounts() throws -> [String: [String: Int]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("layers16/param_counts.json")))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Int]])
    }

    /// mobilenet_v3.py: (type, alpha, minimalistic) -> the md5 of the top and no-top files.
    let kerasFiles: [(type: String, alpha: Double, minimalistic: Bool, top: String, noTop: String)] = [
        ("large", 0.75, false, "765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
        ("large", 1.0, false, "59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
        ("large", 1.0, true, "675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
        ("small", 0.75, false, "cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
        ("small", 1.0, false, "8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
        ("small", 1.0, true, "99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
    ]

    func testResolvedEntriesBuildTheVariantAndNameKerasFiles() throws {
        let counts = try kerasCounts()
        var variantNames = Set<String>()
        for f in kerasFiles {
            let model = "mobilenetv3\(f.type)"
            let entry = try catalogueEntry(model).resolved(alpha: f.alpha, minimalistic: f.minimalistic, size: 224)
            let stem = "weights_mobilenet_v3_\(f.type)\(f.minimalistic ? "_minimalistic" : "")_224_\(f.alpha)_float"
            XCTAssertEqual(entry.weightsTop.fileName, stem + ".h5")
            XCTAssertEqual(entry.weightsNoTop.fileName, stem + "_no_top_v2.h5")
            XCTAssertEqual(entry.weightsTop.url, "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/\(stem).h5")
            XCTAssertEqual(entry.weightsTop.fileHash, f.top, stem)
            XCTAssertEqual(entry.weightsNoTop.fileHash, f.noTop, stem)
            XCTAssertNil(entry.weightsNotice, "224 is the size of the files")
            let key = "\(model)_\(f.alpha)\(f.minimalistic ? "_minimalistic" : "")"
            let expected = try XCTUnwrap(counts[key], key)
            XCTAssertEqual(try entry.build((224, 224), true, .none).parameterCount, expected["parameters_top"], key)
            XCTAssertEqual(try entry.build((32, 32), false, .none).parameterCount, expected["parameters"], key)
            XCTAssertEqual(entry.alpha, f.alpha)
            XCTAssertEqual(entry.minimalistic, f.minimalistic)
            variantNames.insert(entry.variantName)
        }
        XCTAssertEqual(variantNames.count, kerasFiles.count, "cached features of each variant are apart: \(variantNames)")
        // The defaults are the catalogue's own entry: alpha 1.0, not minimalistic.
        let plain = try catalogueEntry("mobilenetv3large")
        XCTAssertEqual(try plain.resolved(alpha: nil, minimalistic: false, size: 224).weightsTop.fileName, plain.weightsTop.fileName)
        // Keras loads the 224 files at every size, with a warning.
        let small = try catalogueEntry("mobilenetv3small").resolved(alpha: 0.75, minimalistic: false, size: 32)
        XCTAssertEqual(small.weightsNoTop.fileName, "weights_mobilenet_v3_small_224_0.75_float_no_top_v2.h5")
        XCTAssertTrue(small.weightsNotice?.contains("no weights for 32x32 inputs") ?? false, "\(small.weightsNotice ?? "")")
    }

    /// All eight architectures (small and large, alpha 0.75 and 1.0, minimalistic or not) have
    /// Keras's count_params, with and without the top, including the two Keras has no weights for.
    func testParameterCountsOfAllEightVariantsEqualKeras() throws {
        let counts = try kerasCounts()
        let builders: [(String, (_ size: Int, _ alpha: Double, _ minimalistic: Bool, _ includeTop: Bool) throws -> Model)] = [
            ("small", { try mobilenetv3small(inputSize: ($0, $0), alpha: $1, minimalistic: $2, includeTop: $3) }),
            ("large", { try mobilenetv3large(inputSize: ($0, $0), alpha: $1, minimalistic: $2, includeTop: $3) }),
        ]
        for (type, build) in builders {
            for alpha in [0.75, 1.0] {
                for minimalistic in [false, true] {
                    let key = "mobilenetv3\(type)_\(alpha)\(minimalistic ? "_minimalistic" : "")"
                    let expected = try XCTUnwrap(counts[key], key)
                    let top = try build(224, alpha, minimalistic, true)
                    let noTop = try build(32, alpha, minimalistic, false)
                    XCTAssertEqual(top.parameterCount, expected["parameters_top"], key)
                    XCTAssertEqual(top.trainableCount, expected["trainable_parameters_top"], key)
                    XCTAssertEqual(noTop.parameterCount, expected["parameters"], key)
                    XCTAssertEqual(noTop.trainableCount, expected["trainable_parameters"], key)
                }
            }
        }
    }

    func testCombinationsWithoutWeightsAreRefused() {
        let v3 = try? catalogueEntry("mobilenetv3small")
        XCTAssertThrowsError(try v3?.resolved(alpha: 0.75, minimalistic: true, size: 224)) {
            XCTAssertEqual("\($0)", "mobilenetv3small: minimalistic at alpha 0.75 has no official weights; minimalistic takes alpha 1.0 only")
        }
        XCTAssertThrowsError(try v3?.resolved(alpha: 0.5, minimalistic: false, size: 224)) {
            XCTAssertEqual("\($0)", "mobilenetv3small: alpha 0.5 has no official weights; it must be one of 0.75, 1.0")
        }
        XCTAssertThrowsError(try catalogueEntry("mobilenetv2").resolved(alpha: 1.0, minimalistic: true, size: 224)) {
            XCTAssertEqual("\($0)", "mobilenetv2 has no minimalistic variant; only mobilenetv3small and mobilenetv3large do")
        }
        XCTAssertThrowsError(try catalogueEntry("vgg16").resolved(alpha: nil, minimalistic: true, size: 224))
        XCTAssertThrowsError(try catalogueEntry("vgg16").resolved(alpha: 1.0, size: 224)) {
            XCTAssertTrue("\($0)".contains("only mobilenet, mobilenetv2, mobilenetv3small and mobilenetv3large do"), "\($0)")
        }
    }

    /// The catalogue lists every official file: two alphas and one minimalistic per V3 model.
    func testEveryOfficialFileIsListed() throws {
        for type in ["small", "large"] {
            let entry = try catalogueEntry("mobilenetv3\(type)")
            let files = (entry.alphaWeightFiles + entry.minimalisticWeightFiles).flatMap { [$0.top, $0.noTop] }
            let expected = kerasFiles.filter { $0.type == type }.flatMap { [$0.top, $0.noTop] }
            XCTAssertEqual(Set(files.compactMap(\.fileHash)), Set(expected), type)
            XCTAssertEqual(files.count, expected.count, type)
        }
    }
}
