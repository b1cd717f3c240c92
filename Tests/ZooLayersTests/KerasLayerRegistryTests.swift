import Foundation
import XCTest
import ZooTensor
@testable import ZooLayers

let kerasFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/keras")

final class KerasLayerRegistryTests: XCTestCase {
    func testOneEntryPerKerasClass() {
        let names = kerasLayerRegistry.map { $0.kerasClassName }
        XCTAssertEqual(Set(names).count, names.count, "a class registered twice: \(names)")
        for type in kerasLayerRegistry {
            XCTAssertTrue(kerasLayerClass(named: type.kerasClassName) == type, type.kerasClassName)
        }
        XCTAssertNil(kerasLayerClass(named: "Lambda"))
        XCTAssertNil(kerasLayerClass(named: "FusedConv2D"), "fused layers are no Keras classes")
    }

    /// A registered class comes with its test: Layers/<class>Tests.swift, which round-trips a
    /// config as Keras writes it.
    func testEveryRegisteredClassHasItsTest() {
        let layerTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Layers")
        for type in kerasLayerRegistry {
            let test = layerTests.appendingPathComponent("\(type.kerasClassName)Tests.swift").path
            XCTAssertTrue(FileManager.default.fileExists(atPath: test), "no \(test)")
        }
    }

    /// tools/make_fixtures.py's models use every class zoo supports.
    func testEveryClassOfTheFixturesResolves() throws {
        var seen = Set<String>()
        let configs = try FileManager.default.contentsOfDirectory(atPath: kerasFixtures.path).filter { $0.hasSuffix(".config.json") }
        XCTAssertEqual(configs.count, 6)
        for name in configs {
            let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: kerasFixtures.appendingPathComponent(name)))
                as? [String: Any])
            let layers = try XCTUnwrap((root["config"] as? [String: Any])?["layers"] as? [[String: Any]])
            for spec in layers {
                let cls = try XCTUnwrap(spec["class_name"] as? String)
                XCTAssertNotNil(kerasLayerClass(named: cls), "\(name): \(cls)")
                seen.insert(cls)
            }
        }
        XCTAssertGreaterThanOrEqual(seen.count, 15, "the fixtures cover most classes: \(seen.sorted())")
    }

    /// The config comparison the layer tests rely on must be able to fail.
    func testConfigComparisonCatchesDifferences() {
        XCTAssertTrue(kerasValuesEqual([3, 3], [NSNumber(value: 3), NSNumber(value: 3)] as [Any]))
        XCTAssertFalse(kerasValuesEqual([3, 3], [NSNumber(value: 3), NSNumber(value: 2)] as [Any]))
        XCTAssertFalse(kerasValuesEqual([3, 3], [NSNumber(value: 3)] as [Any]))
        XCTAssertFalse(kerasValuesEqual("same", "valid"))
        XCTAssertFalse(kerasValuesEqual(0.25, NSNumber(value: 0.5)))
        XCTAssertTrue(kerasValuesEqual(Optional<Double>.none as Any, NSNull()))
        XCTAssertFalse(kerasValuesEqual(Optional<Double>.none as Any, NSNumber(value: 0)))
        XCTAssertFalse(kerasValuesEqual(Optional(6.0) as Any, NSNull()))
    }
}
