import Foundation
import ZooSupport

/// How a folder of class subfolders is split and read: a separate test folder, or Keras's seeded
/// `validation_split` carving (`image_dataset_from_directory(dir, validation_split=testSplit,
/// subset="training"|"validation", seed=seed)`: the training split is Keras's "training" subset,
/// the test split its "validation" subset, the same files for the same seed).
public struct ImageDataSettings: Sendable, Equatable {
    /// A folder of the same class subfolders for the test split; nil to carve it from the data.
    public var testData: String?
    /// Fraction of the shuffled files held out as the test split when there is no `testData`.
    public var testSplit = 0.2
    /// The shuffle seed (Keras's `seed`).
    public var seed: UInt32 = 1337
    public var cropToAspectRatio = false
    public var maxPixels = ImageDecoder.defaultMaxPixels
    /// A file that does not decode fails the run (exit 3) instead of being skipped.
    public var strict = false

    public init() {}

    /// The files of `split` of the image folder `data`.
    public func folder(_ data: String, split: Split) throws -> ImageFolder {
        let all = try ImageFolder(indexing: data, seed: seed)
        if let testData {
            return split == .train ? all : try ImageFolder(indexing: testData, seed: seed, classNames: all.classNames)
        }
        guard testSplit > 0 else {
            if split == .train { return all }
            throw DataError.malformed(file: data, reason: "no test split: give --test-data DIR or a --test-split above 0")
        }
        let part = all.subset(split == .train ? .training : .validation, fraction: testSplit)
        guard !part.files.isEmpty else {
            throw DataError.malformed(file: data, reason: "--test-split \(testSplit) of \(all.files.count) images leaves the \(split.rawValue) split empty")
        }
        return part
    }

    /// Loading for a model input of `height` x `width` in `colorMode`.
    public func loading(height: Int, width: Int, colorMode: ColorMode = .rgb) -> ImageLoading {
        ImageLoading(colorMode: colorMode, resize: ImageResize(height: height, width: width, cropToAspectRatio: cropToAspectRatio),
                     maxPixels: maxPixels, strict: strict)
    }
}

/// True when `data` names a folder of class subfolders (not a MNIST directory or mnist.npz).
public func isImageFolder(_ data: String?) -> Bool { data.map(ImageFolder.looksLikeImageFolder) ?? false }

/// A digest of which files, with which content and labels, make up `folder`.
public func folderDigest(_ folder: ImageFolder, hashes: [String]) -> String {
    var text = folder.classNames.joined(separator: "\n") + "\n--\n"
    for (h, l) in zip(hashes, folder.labels) { text += "\(h) \(l)\n" }
    return MD5.hex(of: Array(text.utf8))
}

/// The image files named by `paths` (files, or folders searched at any depth for Keras's image
/// extensions), in the order given, each folder's in Keras's sorted walk order.
public func imageFiles(_ paths: [String]) throws -> [String] {
    var files: [String] = []
    for path in paths {
        if isDirectory(path) {
            let found = ImageFolder.walk(path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
            guard !found.isEmpty else { throw DataError.malformed(file: path, reason: "no images (.bmp, .gif, .jpeg, .jpg, .png)") }
            files += found
        } else {
            guard FileManager.default.fileExists(atPath: path) else { throw DataError.cannotRead(file: path, reason: "no such file") }
            files.append(path)
        }
    }
    return files
}
