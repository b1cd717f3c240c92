import Foundation
import ZooData
import ZooHDF5
import ZooLayers
import ZooModels
import ZooSupport

extension FeatureSource {
    /// Classes, class names and the classifier input shape of this data: ten digits of 28x28x1,
    /// or an image folder's classes at the backbone's size in RGB.
    public func dataShape() throws -> (classes: Int, classNames: [String]?, inputShape: [Int]) {
        guard let data, isImageFolder(data) else { return (10, nil, [28, 28, 1]) }
        let folder = try images.folder(data, split: .train)
        return (folder.classNames.count, folder.classNames, [backbone.size, backbone.size, 3])
    }

    /// `extract` for a folder of class subfolders: the whole split cached under a digest of every
    /// file's content, each image's features also stored on their own, so that a changed image
    /// is the only one run again.
    func extractImages(
        _ data: String, split: Split, model: Model, full: Model, entry: CatalogueEntry, unfrozen: Int, batchSize: Int,
        output: String?, configuration: ZooConfiguration, monitor: PipelineMonitor
    ) throws -> Extracted {
        let (size, pooling) = (backbone.size, backbone.pooling)
        let folder = try images.folder(data, split: split).prefix(limit)
        let loading = images.loading(height: size, width: size)
        let hashes = try contentHashes(folder.files)
        let weightsPath = try backbone.weightsPath(configuration: configuration, monitor: monitor)
        var key = FeatureKey(
            model: entry.name, weights: try weightsPath.map { try MD5.hex(ofFile: $0) } ?? "keras-init:\(backbone.untrainedSeed)",
            size: size, pooling: pooling.rawValue, preprocessing: entry.preprocessing.rawValue,
            data: [], split: "", limit: nil)
        key.cut = unfrozen > 0 ? model.nodes.last!.layer.name : nil
        key.images = loading.cacheDescription
        let perImage = key.canonical
        key.data = [folderDigest(folder, hashes: hashes)]
        key.split = split.rawValue
        key.limit = limit
        let cache = FeatureCache(directory: cacheDirectory ?? configuration.featureCacheDirectory)
        if !noCache, let hit = cache.lookup(key) { return Extracted(path: hit, cacheHit: true, computeSeconds: nil) }
        try backbone.fill(full, weightsPath: weightsPath, configuration: configuration, monitor: monitor)
        let target = noCache
            ? output ?? configuration.temporaryPath("features-\(entry.name)-\(split.rawValue).h5") : cache.path(for: key)
        let storeRoot = noCache ? configuration.temporaryPath("image-features-\(getpid())") : cache.directory
        defer { if noCache { try? FileManager.default.removeItem(atPath: storeRoot) } }
        if !noCache { try cache.prepare() }
        let store = ImageFeatureStore(root: storeRoot, configuration: perImage, dimension: model.outputShape.reduce(1, *))
        let bar = monitor.progress("\(entry.name) features (\(split.rawValue))", Int64(folder.files.count), .images)
        let start = Date()
        var done: Int64 = 0
        let result = try extractImageFeatures(
            model: try model.fusedForInference(), folder: folder, hashes: hashes, loading: loading, mode: entry.preprocessing,
            batchSize: batchSize, store: store, to: target,
            attributes: [("model", .string(entry.name)), ("weights", .string(weightsPath ?? "keras-init")),
                         ("weights_md5", .string(key.weights)), ("size", .int(Int64(size))),
                         ("pooling", .string(pooling.rawValue)), ("preprocessing", .string(entry.preprocessing.rawValue)),
                         ("split", .string(split.rawValue)), ("data", .strings([data])),
                         ("class_names", .strings(folder.classNames)), ("cache_key", .string(key.canonical))],
            warn: monitor.notice, progress: { done += Int64($0); bar.update(done, total: nil) })
        bar.finish()
        if !result.skipped.isEmpty {
            monitor.notice("\(split.rawValue): skipped \(result.skipped.count) of \(folder.files.count) files that could not be decoded")
        }
        if result.reused > 0 {
            monitor.notice("\(split.rawValue): \(result.reused) images' features from the per-image cache, \(result.computed) computed")
        }
        return Extracted(path: target, cacheHit: false, computeSeconds: Date().timeIntervalSince(start))
    }
}
