import Foundation
import XCTest
import ZooModels
import ZooSupport
import ZooTestSupport
@testable import ZooKeras

/// Keras's `file_hash` is an md5 or a sha256 (EfficientNet's), told apart by length: the
/// downloader checks either, the catalogue accepts either, anything else is refused.
final class WeightFileHashTests: XCTestCase {
    private var serveDir = ""
    private var cacheDir = ""
    private var server: WeightTestServer?
    private let payload = weightTestRandomBytes(200_000)

    override func setUpWithError() throws {
        setenv("no_proxy", "127.0.0.1,localhost", 1)
        serveDir = try weightTestTempDir("serve")
        cacheDir = try weightTestTempDir("cache")
        XCTAssertTrue(FileManager.default.createFile(atPath: serveDir + "/weights.h5", contents: Data(payload)))
        server = try WeightTestServer(directory: serveDir)
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(atPath: serveDir)
        try? FileManager.default.removeItem(atPath: cacheDir)
    }

    func testSHA256IsChecked() throws {
        let destination = cacheDir + "/models/weights.h5"
        let sha = SHA256.hex(of: payload)
        try WeightDownloader().download(from: server!.url("weights.h5"), to: destination, fileHash: sha.uppercased(), progress: nil)
        XCTAssertEqual(FileManager.default.contents(atPath: destination), Data(payload))
        try FileManager.default.removeItem(atPath: destination)
        let wrong = String(repeating: "0", count: 64)
        XCTAssertThrowsError(try WeightDownloader().download(
            from: server!.url("weights.h5"), to: destination, fileHash: wrong, progress: nil)) { error in
            XCTAssertEqual(error as? WeightDownloadError, .checksum(file: destination, expected: wrong, found: sha))
            XCTAssertEqual("\(error)", "sha256 mismatch for \(destination): expected \(wrong), got \(sha)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination))
    }

    func testHashAlgorithmByLength() {
        XCTAssertEqual(WeightFile.hashAlgorithm(of: String(repeating: "a", count: 32)), "md5")
        XCTAssertEqual(WeightFile.hashAlgorithm(of: String(repeating: "F", count: 64)), "sha256")
        for bad in ["", String(repeating: "a", count: 40), String(repeating: "g", count: 32)] {
            XCTAssertNil(WeightFile.hashAlgorithm(of: bad), bad)
        }
        // Every official file carries a hash Keras would accept, and a unique name; only
        // MobileNet V1/V2's files have none, as keras.applications publishes none for them
        // (MobileNetV3's, at every alpha and minimalistic, have their md5).
        let files = catalogue.flatMap { [$0.weightsTop, $0.weightsNoTop] }
        let unhashed: Set<String> = ["mobilenet", "mobilenetv2"]
        XCTAssertEqual(Set(catalogue.filter { !$0.alphas.isEmpty }.map(\.name)), unhashed.union(["mobilenetv3small", "mobilenetv3large"]))
        for entry in catalogue {
            let all = [entry.weightsTop, entry.weightsNoTop] + (entry.alphaWeightFiles + entry.minimalisticWeightFiles).flatMap { [$0.top, $0.noTop] }
            for file in all {
                if unhashed.contains(entry.name) { XCTAssertNil(file.fileHash, file.fileName) } else { XCTAssertNotNil(file.hashAlgorithm, file.fileName) }
            }
        }
        XCTAssertEqual(Set(files.map(\.fileName)).count, files.count)
        let alphaFiles = catalogue.flatMap { ($0.alphaWeightFiles + $0.minimalisticWeightFiles).flatMap { [$0.top.fileName, $0.noTop.fileName] } }
        // MobileNet: 4 alphas x 4 rows; V2: 6 x 5; V3 small and large: 2 alphas and 1 minimalistic at 224.
        XCTAssertEqual(alphaFiles.count, 2 * (4 * 4 + 6 * 5 + 3 + 3))
        XCTAssertEqual(Set(alphaFiles).count, alphaFiles.count)
    }

    /// A replacement catalogue may give a sha256 and leave `bytes` out (Keras publishes none);
    /// one written with the former `md5` key still reads.
    func testReplacementCatalogueWithSHA256AndNoSize() throws {
        let sha = SHA256.hex(of: payload)
        let file = ["fileName": "w.h5", "url": "http://127.0.0.1:1/w.h5", "fileHash": sha]
        let legacy: [String: Any] = ["fileName": "n.h5", "url": "http://127.0.0.1:1/n.h5",
                                     "md5": String(repeating: "c", count: 32), "bytes": 3]
        let path = cacheDir + "/catalogue.json"
        let json = try JSONSerialization.data(withJSONObject: [["name": "resnet50v2", "weightsTop": file, "weightsNoTop": legacy]])
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: json))
        let entry = try catalogueEntry("resnet50v2")
        let catalogue = path
        XCTAssertEqual(try WeightStore.weightFile(entry, includeTop: true, catalogue: catalogue),
                       WeightFile(fileName: "w.h5", url: "http://127.0.0.1:1/w.h5", fileHash: sha))
        XCTAssertEqual(try WeightStore.weightFile(entry, includeTop: false, catalogue: catalogue),
                       WeightFile(fileName: "n.h5", url: "http://127.0.0.1:1/n.h5",
                                  fileHash: String(repeating: "c", count: 32), bytes: 3))
    }
}
