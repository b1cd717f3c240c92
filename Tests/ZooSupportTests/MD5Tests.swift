import Foundation
import XCTest
import ZooTestSupport
@testable import ZooSupport

final class MD5Tests: XCTestCase {
    func testRFC1321Vectors() {
        let vectors: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (input, digest) in vectors {
            XCTAssertEqual(MD5.hex(of: Array(input.utf8)), digest, "md5(\"\(input)\")")
        }
    }

    /// Lengths around the 56/64-byte padding boundary, fed in odd-sized pieces, must match one-shot.
    func testIncrementalMatchesOneShot() {
        let data = weightTestRandomBytes(1000)
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let prefix = Array(data[0..<length])
            var md5 = MD5()
            var i = 0
            while i < length {
                let end = min(length, i + 1 + (i % 37))
                prefix[i..<end].withUnsafeBytes { md5.update($0) }
                i = end
            }
            XCTAssertEqual(md5.finalize(), MD5.hex(of: prefix), "length \(length)")
        }
    }

    func testFilesAgainstMd5sum() throws {
        let dir = try weightTestTempDir("md5")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 1 MiB exactly hits the read-chunk boundary; the others are not multiples of 64.
        for size in [1 << 20, 3_000_001, (5 << 20) + 37] {
            let path = dir + "/f\(size)"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(weightTestRandomBytes(size))))
            XCTAssertEqual(try MD5.hex(ofFile: path), try md5sum(path), "size \(size)")
        }
    }

    func testMissingFileThrows() {
        XCTAssertThrowsError(try MD5.hex(ofFile: "/nonexistent/zoo-md5-test"))
    }

    private func md5sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["md5sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
