import Foundation

public enum Split: String, Sendable, CaseIterable {
    case train, test

    /// File-name prefix in the MNIST distribution.
    var prefix: String { self == .train ? "train" : "t10k" }
}

/// Grayscale digits with labels: images are [count, height, width] uint8, row-major.
public struct Digits: Sendable {
    public let images: [UInt8]
    public let labels: [UInt8]
    public let count: Int
    public let height: Int
    public let width: Int
    /// The files the digits came from (their content identifies the data set in cache keys).
    public let files: [String]

    public init(images: [UInt8], labels: [UInt8], height: Int, width: Int, files: [String]) {
        self.images = images
        self.labels = labels
        self.count = labels.count
        self.height = height
        self.width = width
        self.files = files
    }

    /// The first `n` digits (all of them if `n` is nil or larger).
    public func prefix(_ n: Int?) -> Digits {
        guard let n, n < count else { return self }
        return Digits(images: Array(images[0..<(n * height * width)]), labels: Array(labels[0..<n]),
                      height: height, width: width, files: files)
    }
}

public enum MNIST {
    /// The 5,000-digit sample shipped with zoo (4,000 train, 1,000 test, 500 per class).
    public static var builtinDirectory: String {
        Bundle.module.resourceURL!.appendingPathComponent("mnist-sample").path
    }

    /// Loads a split from a MNIST-format directory (`train-*`/`t10k-*` IDX files, gzipped or
    /// not), from a Keras `mnist.npz`, or from the built-in sample when `data` is nil.
    public static func load(_ data: String?, split: Split) throws -> Digits {
        let path = data ?? builtinDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.cannotRead(file: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue { return try loadNPZ(path, split: split) }
        let images = try find(path, "\(split.prefix)-images-idx3-ubyte", split: split)
        let labels = try find(path, "\(split.prefix)-labels-idx1-ubyte", split: split)
        let x = try IDXArray(contentsOf: images)
        let y = try IDXArray(contentsOf: labels)
        return try digits(x, y, files: [images, labels], names: (images, labels))
    }

    static func loadNPZ(_ path: String, split: Split) throws -> Digits {
        let arrays = try readNPZ(path)
        let (xn, yn) = split == .train ? ("x_train", "y_train") : ("x_test", "y_test")
        guard let x = arrays[xn], let y = arrays[yn] else {
            throw DataError.malformed(file: path, reason: "no \(xn)/\(yn) arrays (found \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        return try digits(x, y, files: [path], names: ("\(path):\(xn)", "\(path):\(yn)"))
    }

    static func digits(_ x: IDXArray, _ y: IDXArray, files: [String], names: (String, String)) throws -> Digits {
        guard x.shape.count == 3 else {
            throw DataError.malformed(file: names.0, reason: "images have shape \(x.shape), expected [count, height, width]")
        }
        guard y.shape.count == 1 else {
            throw DataError.malformed(file: names.1, reason: "labels have shape \(y.shape), expected [count]")
        }
        guard x.shape[0] == y.shape[0] else {
            throw DataError.mismatch("\(names.0) has \(x.shape[0]) images but \(names.1) has \(y.shape[0]) labels")
        }
        if let bad = y.values.first(where: { $0 > 9 }) {
            throw DataError.malformed(file: names.1, reason: "label \(bad) is not a digit 0-9")
        }
        return Digits(images: x.values, labels: y.values, height: x.shape[1], width: x.shape[2], files: files)
    }

    private static func find(_ dir: String, _ stem: String, split: Split) throws -> String {
        // The distribution names (and torchvision's and Keras's copies) with and without .gz,
        // and the dotted variant some mirrors use.
        let names = [stem + ".gz", stem, stem.replacingOccurrences(of: "-idx", with: ".idx") + ".gz",
                     stem.replacingOccurrences(of: "-idx", with: ".idx")]
        for name in names where FileManager.default.fileExists(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw DataError.missingSplit(directory: dir, split: split.rawValue, tried: names)
    }
}
