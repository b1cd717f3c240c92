import Foundation
import ZooSupport
import ZooTensor

/// Backbone features of single images, one small file each, named by the md5 of the image file's
/// content under a folder named by the digest of everything else that changes them (weights,
/// model, size, pooling, preprocessing, decoding). Editing, adding or removing one image thus
/// recomputes that image only. Entries are raw float32 rows written by atomic rename.
public struct ImageFeatureStore: Sendable {
    public let directory: String
    public let dimension: Int

    /// `configuration` is everything but the image content, e.g. a `FeatureKey` without data.
    public init(root: String, configuration: String, dimension: Int) {
        self.directory = root + "/images-" + MD5.hex(of: Array(configuration.utf8))
        self.dimension = dimension
    }

    public func path(_ hash: String) -> String { directory + "/" + hash.prefix(2) + "/" + hash + ".f32" }

    /// The stored row of the image with content `hash`, if present and whole.
    public func row(_ hash: String) -> [Float]? {
        guard let data = FileManager.default.contents(atPath: path(hash)), data.count == dimension * 4 else { return nil }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    public func contains(_ hash: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path(hash)))?[.size] as? Int == dimension * 4
    }

    public func store(_ hash: String, _ row: ArraySlice<Float>) throws {
        let p = path(hash)
        let dir = (p as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temporary = p + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let data = row.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw DataError.cannotRead(file: temporary, reason: "cannot write a feature cache entry")
        }
        guard rename(temporary, p) == 0 else {
            unlink(temporary)
            throw DataError.cannotRead(file: p, reason: "cannot write a feature cache entry")
        }
    }
}

/// The md5 of each file's content, computed in parallel.
public func contentHashes(_ files: [String]) throws -> [String] {
    var hashes = [String?](repeating: nil, count: files.count)
    var failure: (String, String)?
    let lock = NSLock()
    hashes.withUnsafeMutableBufferPointer { out in
        parallelTasks(files.count) { i in
            do { out[i] = try MD5.hex(ofFile: files[i]) } catch {
                lock.lock(); if failure == nil { failure = (files[i], "\(error)") }; lock.unlock()
            }
        }
    }
    if let (file, reason) = failure { throw DataError.cannotRead(file: file, reason: reason) }
    return hashes.map { $0! }
}
