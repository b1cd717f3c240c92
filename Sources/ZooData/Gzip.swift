import CGzip
import Foundation

/// Largest decompressed file accepted (256 MiB): the full MNIST is 55 MB, so anything near this is
/// a corrupt or hostile file, and it is refused before it can exhaust memory.
let maxInflatedBytes = 256 << 20

/// Reads a file, inflating it if it starts with the gzip magic bytes.
func readMaybeGzip(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError.cannotRead(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied or a directory" : "no such file")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
    return try gunzip(bytes, file: path)
}

func gunzip(_ input: [UInt8], file: String) throws -> [UInt8] {
    var stream = z_stream()
    // 15 + 32: a 32 KB window with automatic gzip/zlib header detection.
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataError.malformed(file: file, reason: "cannot start gzip decompression")
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var input = input
    let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
        stream.next_in = inp.baseAddress
        stream.avail_in = uInt(inp.count)
        while true {
            let code: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
            if code == Z_STREAM_END { return code }
            if code != Z_OK { return code }
            if output.count > maxInflatedBytes { return Z_MEM_ERROR }
            if stream.avail_in == 0 && stream.avail_out != 0 { return Z_BUF_ERROR }
        }
    }
    switch status {
    case Z_STREAM_END: return output
    case Z_MEM_ERROR: throw DataError.malformed(file: file, reason: "decompresses to more than \(maxInflatedBytes >> 20) MiB")
    case Z_BUF_ERROR: throw DataError.malformed(file: file, reason: "truncated gzip data")
    default: throw DataError.malformed(file: file, reason: "corrupt gzip data (zlib status \(status))")
    }
}
