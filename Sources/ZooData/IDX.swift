/// An IDX array of unsigned bytes (the MNIST distribution format): big-endian header
/// `00 00 08 <rank>`, then one 32-bit size per dimension, then the values.
public struct IDXArray: Sendable {
    public let shape: [Int]
    public let values: [UInt8]

    /// Parses `bytes` (already decompressed); every count is checked against the real data
    /// length before anything is allocated, so a bad header cannot ask for gigabytes.
    public init(bytes: [UInt8], file: String) throws {
        guard bytes.count >= 4 else { throw DataError.malformed(file: file, reason: "too short for an IDX header (\(bytes.count) bytes)") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.malformed(file: file, reason: "not an IDX file (magic starts \(bytes[0]) \(bytes[1]), expected 0 0)")
        }
        guard bytes[2] == 0x08 else {
            throw DataError.malformed(file: file, reason: "IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte (0x08)")
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else { throw DataError.malformed(file: file, reason: "IDX rank \(rank), expected 1 to 4") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw DataError.malformed(file: file, reason: "truncated IDX header") }
        var shape: [Int] = []
        var count = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let n = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            shape.append(n)
            count = count.multipliedReportingOverflow(by: n).overflow ? Int.max : count * n
        }
        let available = bytes.count - headerSize
        guard count == available else {
            throw DataError.malformed(
                file: file,
                reason: "header says \(shape.map(String.init).joined(separator: "x")) = \(count) values but the file holds \(available)\(available < count ? " (truncated)" : "")")
        }
        self.shape = shape
        self.values = Array(bytes[headerSize...])
    }

    public init(contentsOf path: String) throws {
        try self.init(bytes: readMaybeGzip(path), file: path)
    }
}
