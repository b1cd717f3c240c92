import Foundation
import XCTest
import ZooModels
import ZooTestSupport
@testable import ZooKeras

/// `ZOO_WEIGHTS_CATALOGUE`: replaces the official weight files of the models it lists, and is
/// refused in one message naming it when it cannot be used.
final class WeightStoreTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try weightTestTempDir("catalogue") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes DIR/NAME.json listing vgg16 with `notop`; returns the environment naming it.
    private func catalogue(_ notop: [String: Any], _ name: String = "catalogue") throws -> [String: String] {
        let top: [String: Any] = ["fileName": "top.h5", "url": "https://example.org/top.h5",
                                  "md5": String(repeating: "b", count: 32), "bytes": 2]
        let json = try JSONSerialization.data(withJSONObject: [["name": "vgg16", "weightsTop": top, "weightsNoTop": notop]])
        try json.write(to: URL(fileURLWithPath: "\(dir)/\(name).json"))
        return ["ZOO_WEIGHTS_CATALOGUE": "\(dir)/\(name).json"]
    }

    private let good: [String: Any] = ["fileName": "notop.h5", "url": "http://127.0.0.1:1/notop.h5",
                                       "md5": String(repeating: "a", count: 32), "bytes": 1]

    func testReplacesTheListedModelsOnly() throws {
        let vgg = try catalogueEntry("vgg16"), resnet = try catalogueEntry("resnet50")
        XCTAssertEqual(try WeightStore.weightFile(vgg, includeTop: false, catalogue: nil), vgg.weightsNoTop)
        let env = try catalogue(good)
        let notop = try WeightStore.weightFile(vgg, includeTop: false, catalogue: env["ZOO_WEIGHTS_CATALOGUE"])
        XCTAssertEqual([notop.fileName, notop.url, notop.fileHash], ["notop.h5", "http://127.0.0.1:1/notop.h5", String(repeating: "a", count: 32)])
        XCTAssertEqual(try WeightStore.weightFile(vgg, includeTop: true, catalogue: env["ZOO_WEIGHTS_CATALOGUE"]).fileName, "top.h5")
        XCTAssertEqual(try WeightStore.weightFile(resnet, includeTop: false, catalogue: env["ZOO_WEIGHTS_CATALOGUE"]), resnet.weightsNoTop)
    }

    func testRefusesWhatItCannotUse() throws {
        let vgg = try catalogueEntry("vgg16")
        func bad(_ key: String, _ value: String) throws -> [String: String] {
            try catalogue(good.merging([key: value]) { $1 }, "\(key)-\(value.count)")
        }
        func path(_ key: String, _ value: String) -> String { "\(dir)/\(key)-\(value.count).json (ZOO_WEIGHTS_CATALOGUE)" }
        var cases: [([String: String], String)] = [
            (try bad("fileName", "../evil.h5"), "\(path("fileName", "../evil.h5")): vgg16: \"../evil.h5\" is not a plain file name"),
            (try bad("fileName", ".hidden"), "\(path("fileName", ".hidden")): vgg16: \".hidden\" is not a plain file name"),
            (try bad("md5", "xyz"), "\(path("md5", "xyz")): vgg16: file hash \"xyz\" is neither an md5 (32 hex digits) nor a sha256 (64)"),
            (try bad("url", "file:///etc/passwd"), "\(path("url", "file:///etc/passwd")): vgg16: \"file:///etc/passwd\" is not an http(s) URL"),
            (["ZOO_WEIGHTS_CATALOGUE": dir + "/missing.json"], "\(dir)/missing.json (ZOO_WEIGHTS_CATALOGUE): cannot be opened"),
        ]
        try Data("{\"name\": \"vgg16\"}".utf8).write(to: URL(fileURLWithPath: dir + "/object.json"))
        cases.append((["ZOO_WEIGHTS_CATALOGUE": dir + "/object.json"], "\(dir)/object.json (ZOO_WEIGHTS_CATALOGUE): not in the format of Models/catalogue.json (a list of {name, weightsTop, weightsNoTop}, each weight file with fileName, url, fileHash (or md5) and optional bytes)"))
        for (env, message) in cases {
            XCTAssertThrowsError(try WeightStore.weightFile(vgg, includeTop: false, catalogue: env["ZOO_WEIGHTS_CATALOGUE"])) { error in
                XCTAssertEqual("\(error)", message)
                XCTAssertFalse((error as? WeightStoreError)?.isDownload ?? true)
            }
        }
    }
}
