import Foundation
import ZIPFoundation

/// A `.keras` file: a zip holding `config.json`, `metadata.json` and `model.weights.h5`.
/// The weights are extracted to a private temporary directory because HDF5 reads files, not
/// zip entries.
struct KerasArchive {
    let directory: URL
    let weightsPath: String
    let config: String?
    let kerasVersion: String?

    /// Sizes in a zip are claims. Largest weights entry extracted (16 GiB) and largest JSON
    /// entry read (as for any model config); extraction also stops where an entry inflates past
    /// its claimed size, so a zip bomb cannot fill the disk or memory.
    static let maxWeightsBytes: UInt64 = 16 << 30
    static let maxTextBytes = UInt64(maxConfigBytes)

    static func isZip(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x50, 0x4B, 0x03, 0x04])
    }

    static func extract(_ path: String) throws -> KerasArchive {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw KerasImportError.archive(file: path, reason: "not a readable zip (\(error))")
        }
        guard let weights = archive["model.weights.h5"] else {
            let names = archive.map(\.path).prefix(8).joined(separator: ", ")
            throw KerasImportError.archive(file: path, reason: "no model.weights.h5 entry (found: \(names))")
        }
        let temporary = FileManager.default.temporaryDirectory
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: temporary.path)[.systemFreeSize] as? NSNumber)?
            .uint64Value ?? .max
        try checkEntry(weights, limit: min(maxWeightsBytes, free), path)
        let dir = temporary.appendingPathComponent("zoo-keras-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let target = dir.appendingPathComponent("model.weights.h5")
            guard FileManager.default.createFile(atPath: target.path, contents: nil),
                  let out = FileHandle(forWritingAtPath: target.path) else {
                throw KerasImportError.archive(file: path, reason: "cannot write \(target.path)")
            }
            defer { try? out.close() }
            try extractBounded(archive, weights, path) { try out.write(contentsOf: $0) }
            let config = try archive["config.json"].map { try text(archive, $0, path) }
            var version: String? = nil
            if let meta = archive["metadata.json"] {
                let data = Data(try text(archive, meta, path).utf8)
                try checkJSONLimits(data, file: path, what: "metadata.json")
                version = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["keras_version"] as? String
            }
            return KerasArchive(directory: dir, weightsPath: target.path, config: config, kerasVersion: version)
        } catch {
            try? FileManager.default.removeItem(at: dir)
            if error is KerasImportError { throw error }
            throw KerasImportError.archive(file: path, reason: "cannot extract (\(error))")
        }
    }

    /// Only regular file entries whose claimed size is within `limit`.
    private static func checkEntry(_ entry: Entry, limit: UInt64, _ path: String) throws {
        guard entry.type == .file else {
            throw KerasImportError.archive(file: path, reason: "\(entry.path) is not a regular file entry")
        }
        guard entry.isCompressed || entry.compressedSize == entry.uncompressedSize else {
            throw KerasImportError.archive(
                file: path, reason: "\(entry.path) is stored uncompressed but claims \(entry.uncompressedSize) bytes in \(entry.compressedSize)")
        }
        guard entry.uncompressedSize <= limit else {
            throw KerasImportError.archive(
                file: path, reason: "\(entry.path) claims \(entry.uncompressedSize) bytes, more than the \(limit) zoo can extract (size limit or free space)")
        }
    }

    /// Extracts `entry`, failing as soon as the data runs past the size the entry claims.
    private static func extractBounded(_ archive: Archive, _ entry: Entry, _ path: String,
                                       _ consumer: (Data) throws -> Void) throws {
        var written: UInt64 = 0
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                written += UInt64(chunk.count)
                guard written <= entry.uncompressedSize else {
                    throw KerasImportError.archive(file: path, reason: "\(entry.path) inflates past the \(entry.uncompressedSize) bytes it claims")
                }
                try consumer(chunk)
            }
        } catch let error as KerasImportError {
            throw error
        } catch {
            throw KerasImportError.archive(file: path, reason: "cannot extract \(entry.path) (\(error))")
        }
    }

    private static func text(_ archive: Archive, _ entry: Entry, _ path: String) throws -> String {
        try checkEntry(entry, limit: maxTextBytes, path)
        var data = Data()
        try extractBounded(archive, entry, path) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }
}
