import Foundation

/// What MD5 and SHA-256 share as Merkle–Damgård hashes over 64-byte blocks: buffering the input
/// into blocks, the final padding (0x80, zeros, the bit length), hex output and streaming a file.
/// Each hash supplies its compression function, its byte order and its state words.
public protocol BlockHash {
    init()
    /// Input not yet a whole block, and the total length.
    var blocks: BlockBuffer { get set }
    /// Byte order of the length in the padding and of the digest's words: MD5 little-endian,
    /// SHA-256 big-endian.
    static var bigEndian: Bool { get }
    /// The state words, in digest order.
    var words: [UInt32] { get }
    /// Processes one 64-byte block.
    mutating func compress(_ block: UnsafeRawBufferPointer)
}

public struct BlockBuffer: Sendable {
    var bytes = [UInt8](repeating: 0, count: 64)
    var count = 0
    var length: UInt64 = 0  // total bytes fed in
    public init() {}
}

extension BlockHash {
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        blocks.length &+= UInt64(bytes.count)
        var offset = 0
        if blocks.count > 0 {
            let n = min(64 - blocks.count, bytes.count)
            for i in 0..<n { blocks.bytes[blocks.count + i] = bytes[i] }
            blocks.count += n
            offset = n
            guard blocks.count == 64 else { return }
            let block = blocks.bytes  // compress mutates self, so not while `blocks` is borrowed
            block.withUnsafeBytes { compress($0) }
            blocks.count = 0
        }
        // Whole blocks straight from the caller's memory: this is the hot path for large files.
        while bytes.count - offset >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 64]))
            offset += 64
        }
        for i in offset..<bytes.count {
            blocks.bytes[blocks.count] = bytes[i]
            blocks.count += 1
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Pads, returns the digest as lowercase hex; the hasher must not be reused afterwards.
    public mutating func finalize() -> String {
        let bitLength = blocks.length &* 8
        var padding: [UInt8] = [0x80]
        padding += [UInt8](repeating: 0, count: (blocks.count + 1 <= 56 ? 56 : 120) - blocks.count - 1)
        let order: [UInt64] = Self.bigEndian ? Array((0..<8).reversed()) : Array(0..<8)
        for i in order { padding.append(UInt8(truncatingIfNeeded: bitLength >> (8 * i))) }
        update(padding)
        precondition(blocks.count == 0)
        let digits = Array("0123456789abcdef")
        var out = ""
        for word in words {
            for i in Self.bigEndian ? Array((0..<4).reversed()) : Array(0..<4) {
                let byte = Int(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i))))
                out.append(digits[byte >> 4])
                out.append(digits[byte & 15])
            }
        }
        return out
    }

    public static func hex(of data: [UInt8]) -> String {
        var hash = Self()
        hash.update(data)
        return hash.finalize()
    }

    /// Streams the file in 1 MiB chunks so multi-hundred-MB weight files are never fully in memory.
    public static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hash = Self()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.update($0) }
        }
        return hash.finalize()
    }
}
