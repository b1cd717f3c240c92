import Foundation
import ZIPFoundation

let maxNPYEntryBytes = 256 << 20

/// Reads uint8 arrays from a NumPy `.npz` (a zip of `.npy` files), as Keras's `mnist.npz` stores
/// `x_train`, `y_train`, `x_test` and `y_test`.
func readNPZ(_ path: String) throws -> [String: IDXArray] {
    let archive: Archive
    do {
        archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
        throw DataError.cannotRead(file: path, reason: "not a readable .npz zip")
    }
    var arrays: [String: IDXArray] = [:]
    for entry in archive where entry.path.hasSuffix(".npy") {
        // The full MNIST's largest array is 47 MB; anything past 256 MiB is a bomb, refused
        // before a byte is inflated.
        guard entry.uncompressedSize <= UInt64(maxNPYEntryBytes) else {
            throw DataError.malformed(file: path, reason: "\(entry.path) claims \(entry.uncompressedSize) bytes, over the \(maxNPYEntryBytes >> 20) MiB limit")
        }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                // An entry may lie about its size: stop inflating at the claim.
                guard data.count + chunk.count <= Int(entry.uncompressedSize) else {
                    throw DataError.malformed(file: path, reason: "\(entry.path) inflates past the \(entry.uncompressedSize) bytes it claims")
                }
                data.append(chunk)
            }
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError.malformed(file: path, reason: "\(entry.path): \(error)")
        }
        let name = String(entry.path.dropLast(4))
        arrays[name] = try parseNPY([UInt8](data), file: "\(path):\(entry.path)")
    }
    return arrays
}

/// `.npy` v1-v3: magic, version, header length, a Python dict literal, then the raw values.
func parseNPY(_ bytes: [UInt8], file: String) throws -> IDXArray {
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
        throw DataError.malformed(file: file, reason: "not a .npy array")
    }
    let major = bytes[6]
    let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
        : bytes.count >= 12 ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : -1
    let start = major == 1 ? 10 : 12
    guard headerLength >= 0, start + headerLength <= bytes.count else {
        throw DataError.malformed(file: file, reason: "truncated .npy header")
    }
    let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
    guard header.contains("'descr': '|u1'") || header.contains("'descr': '<u1'") else {
        throw DataError.malformed(file: file, reason: "dtype is not uint8 (header \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
    }
    guard header.contains("'fortran_order': False") else {
        throw DataError.malformed(file: file, reason: "Fortran-ordered arrays are not supported")
    }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
        throw DataError.malformed(file: file, reason: "no shape in .npy header")
    }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
        Int($0.trimmingCharacters(in: .whitespaces))
    }
    // Reuse the IDX validation: rebuild an IDX header for the same shape and data.
    var idx: [UInt8] = [0, 0, 8, UInt8(shape.count)]
    for d in shape { idx += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }), (1...4).contains(shape.count) else {
        throw DataError.malformed(file: file, reason: "unsupported shape \(shape)")
    }
    return try IDXArray(bytes: idx + bytes[(start + headerLength)...], file: file)
}
