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
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-keras-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let target = dir.appendingPathComponent("model.weights.h5")
            _ = try archive.extract(weights, to: target, skipCRC32: false)
            let config = try archive["config.json"].map { try text(archive, $0) }
            var version: String? = nil
            if let meta = archive["metadata.json"],
               let json = try JSONSerialization.jsonObject(with: Data(text(archive, meta).utf8)) as? [String: Any] {
                version = json["keras_version"] as? String
            }
            return KerasArchive(directory: dir, weightsPath: target.path, config: config, kerasVersion: version)
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw KerasImportError.archive(file: path, reason: "cannot extract (\(error))")
        }
    }

    private static func text(_ archive: Archive, _ entry: Entry) throws -> String {
        var data = Data()
        _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }
}
