import Foundation
import XCTest
import ZooTestSupport
@testable import ZooSupport

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors, and lengths that straddle the padding block.
    func testKnownVectors() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
            ("The quick brown fox jumps over the lazy dog",
             "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
        ]
        for (input, digest) in vectors {
            XCTAssertEqual(SHA256.hex(of: Array(input.utf8)), digest, "sha256(\"\(input)\")")
        }
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 56/64-byte padding boundary, fed in odd-sized pieces, must match one-shot;
    /// a file streams to the same digest.
    func testIncrementalAndFileMatchOneShot() throws {
        let data = weightTestRandomBytes(1000)
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let prefix = Array(data[0..<length])
            var sha = SHA256()
            var i = 0
            while i < length {
                let end = min(length, i + 1 + (i % 37))
                sha.update(Array(prefix[i..<end]))
                i = end
            }
            XCTAssertEqual(sha.finalize(), SHA256.hex(of: prefix), "length \(length)")
        }
        let path = NSTemporaryDirectory() + "/sha256-\(getpid()).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(data)))
        XCTAssertEqual(try SHA256.hex(ofFile: path), SHA256.hex(of: data))
    }
}
