import Foundation
import XCTest
import ZooSupport
import ZooTestSupport
@testable import ZooKeras

final class WeightDownloaderTests: XCTestCase {
    private var serveDir = ""
    private var cacheDir = ""
    private var server: WeightTestServer?
    private let payload = weightTestRandomBytes(3_000_000)
    private var payloadMD5 = ""

    override func setUpWithError() throws {
        // libcurl honours http_proxy; make sure loopback requests never leave the machine.
        setenv("no_proxy", "127.0.0.1,localhost", 1)
        serveDir = try weightTestTempDir("serve")
        cacheDir = try weightTestTempDir("cache")
        XCTAssertTrue(FileManager.default.createFile(atPath: serveDir + "/weights.h5", contents: Data(payload)))
        payloadMD5 = MD5.hex(of: payload)
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(atPath: serveDir)
        try? FileManager.default.removeItem(atPath: cacheDir)
    }

    /// Destination in a not-yet-existing subdirectory, like a fresh ~/.keras/models.
    private var destination: String { cacheDir + "/models/weights.h5" }

    private func leftovers() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: cacheDir + "/models")) ?? []
    }

    func testGoodDownload() throws {
        server = try WeightTestServer(directory: serveDir)
        try WeightDownloader().download(from: server!.url("weights.h5"), to: destination,
                                        fileHash: payloadMD5.uppercased(), progress: nil)
        XCTAssertEqual(FileManager.default.contents(atPath: destination), Data(payload))
        XCTAssertEqual(leftovers(), ["weights.h5"], "no temporaries left")
    }

    func testReplacesExistingFile() throws {
        server = try WeightTestServer(directory: serveDir)
        try FileManager.default.createDirectory(atPath: cacheDir + "/models", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: destination, contents: Data("stale".utf8)))
        try WeightDownloader().download(from: server!.url("weights.h5"), to: destination, fileHash: nil, progress: nil)
        XCTAssertEqual(FileManager.default.contents(atPath: destination), Data(payload))
    }

    func testWrongMD5() throws {
        server = try WeightTestServer(directory: serveDir)
        let wrong = String(repeating: "0", count: 32)
        XCTAssertThrowsError(try WeightDownloader().download(
            from: server!.url("weights.h5"), to: destination, fileHash: wrong, progress: nil)) { error in
            XCTAssertEqual(error as? WeightDownloadError,
                           .checksum(file: destination, expected: wrong, found: payloadMD5))
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testNotFound() throws {
        server = try WeightTestServer(directory: serveDir)
        let url = server!.url("missing.h5")
        XCTAssertThrowsError(try WeightDownloader().download(from: url, to: destination, fileHash: nil, progress: nil)) {
            XCTAssertEqual($0 as? WeightDownloadError, .http(url: url.absoluteString, status: 404))
            XCTAssertTrue("\($0)".contains("404") && "\($0)".contains(url.absoluteString))
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testConnectionRefused() throws {
        let url = URL(string: "http://127.0.0.1:\(try WeightTestServer.freePort())/weights.h5")!
        let start = Date()
        XCTAssertThrowsError(try WeightDownloader().download(from: url, to: destination, fileHash: nil, progress: nil)) {
            guard case .network(let failedURL, _)? = $0 as? WeightDownloadError else {
                return XCTFail("expected .network, got \($0)")
            }
            XCTAssertEqual(failedURL, url.absoluteString)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(leftovers(), [])
    }

    /// The server promises more bytes than it sends, then hangs up.
    func testTruncatedResponse() throws {
        let script = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
        while True:
            c, _ = s.accept()
            try:  # the readiness probe connects and hangs up; survive that
                c.recv(65536)
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 1000000\\r\\n\\r\\n" + b"x" * 1000)
            except OSError:
                pass
            c.close()
        """
        server = try WeightTestServer(script: script)
        XCTAssertThrowsError(try WeightDownloader().download(
            from: server!.url("weights.h5"), to: destination, fileHash: nil, progress: nil)) {
            guard case .network? = $0 as? WeightDownloadError else { return XCTFail("expected .network, got \($0)") }
        }
        XCTAssertEqual(leftovers(), [])
    }

    func testProgressEndsAtFileSize() throws {
        server = try WeightTestServer(directory: serveDir)
        let calls = WeightProgressLog()
        let modelsDir = cacheDir + "/models"
        try WeightDownloader().download(from: server!.url("weights.h5"), to: destination, fileHash: payloadMD5) {
            calls.append($0, $1, listing: (try? FileManager.default.contentsOfDirectory(atPath: modelsDir)) ?? [])
        }
        let log = calls.entries
        // Mid-download, only the hidden temporary (tagged with our pid) exists next to the destination.
        XCTAssertTrue(calls.listings.allSatisfy { $0.count == 1 && $0[0].hasPrefix(".weights.h5.tmp-\(getpid())-") },
                      "\(calls.listings)")
        XCTAssertFalse(log.isEmpty)
        XCTAssertEqual(log.last?.0, Int64(payload.count))
        XCTAssertEqual(log.last?.1, Int64(payload.count))
        XCTAssertEqual(log.map(\.0), log.map(\.0).sorted(), "monotonic")
    }
}

/// Collects progress calls, which arrive on a URLSession thread; the lock makes that safe.
private final class WeightProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _entries: [(Int64, Int64?)] = []
    private var _listings: [[String]] = []
    func append(_ soFar: Int64, _ total: Int64?, listing: [String]) {
        lock.withLock { _entries.append((soFar, total)); _listings.append(listing) }
    }
    var entries: [(Int64, Int64?)] { lock.withLock { _entries } }
    var listings: [[String]] { lock.withLock { _listings } }
}
