import Foundation

/// A folder of class subfolders, indexed as `keras.utils.image_dataset_from_directory(directory,
/// labels="inferred", shuffle=True, seed=seed)` indexes it (keras/src/utils/dataset_utils.py,
/// `index_directory`): class names are the sorted subfolders not starting with ".", labels their
/// indices; each class's files are found at any depth (directories walked in sorted path order,
/// files sorted, symlinked directories not followed), kept when their name ends in one of
/// Keras's ALLOWLIST_FORMATS; then the whole list is shuffled by NumPy's legacy
/// `RandomState(seed).shuffle`. The files' formats are told by their content when decoded.
public struct ImageFolder: Sendable {
    public let directory: String
    public let classNames: [String]
    /// Image files in Keras's order, and their labels (indices into `classNames`).
    public private(set) var files: [String]
    public private(set) var labels: [Int]

    /// File name endings Keras indexes (`image_dataset_utils.ALLOWLIST_FORMATS`), case-insensitive.
    public static let extensions = [".bmp", ".gif", ".jpeg", ".jpg", ".png"]

    public init(directory: String, classNames: [String], files: [String], labels: [Int]) {
        (self.directory, self.classNames, self.files, self.labels) = (directory, classNames, files, labels)
    }

    /// Indexes `directory`; `seed` nil keeps the sorted order (Keras's shuffle=False).
    /// `classNames` fixes the classes and their order (Keras's `class_names`), e.g. a test
    /// folder's to a training folder's.
    public init(indexing directory: String, seed: UInt32?, classNames given: [String]? = nil) throws {
        let fm = FileManager.default
        let root = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard let entries = try? fm.contentsOfDirectory(atPath: root) else {
            throw DataError.cannotRead(file: directory, reason: "not a readable directory")
        }
        var subdirs = entries.filter { !$0.hasPrefix(".") && isDirectory(root + "/" + $0) }.sorted(by: pythonLess)
        if let given {
            if let missing = given.first(where: { !subdirs.contains($0) }) {
                throw DataError.malformed(file: directory, reason: "no class folder \"\(missing)\" (classes: \(subdirs.joined(separator: ", ")))")
            }
            subdirs = given
        }
        guard !subdirs.isEmpty else {
            throw DataError.malformed(file: directory, reason: "no class subfolders (expected one folder of images per class, as keras.utils.image_dataset_from_directory reads)")
        }
        var files: [String] = [], labels: [Int] = []
        for (label, name) in subdirs.enumerated() {
            let found = Self.walk(root + "/" + name)
            guard !found.isEmpty || given != nil else {
                throw DataError.malformed(file: root + "/" + name, reason: "class folder \"\(name)\" has no images (.bmp, .gif, .jpeg, .jpg, .png)")
            }
            files += found
            labels += Array(repeating: label, count: found.count)
        }
        guard !files.isEmpty else { throw DataError.malformed(file: directory, reason: "no images (.bmp, .gif, .jpeg, .jpg, .png) in the class folders") }
        if given == nil && subdirs.count < 2 {
            throw DataError.malformed(file: directory, reason: "only one class (\(subdirs[0])); a classifier needs at least two class folders")
        }
        if let seed {
            var rng = MT19937(seed: seed)
            let order = rng.permutation(files.count)
            files = order.map { files[$0] }
            labels = order.map { labels[$0] }
        }
        self.init(directory: root, classNames: subdirs, files: files, labels: labels)
    }

    /// True when `path` is a folder of class subfolders rather than a MNIST distribution.
    public static func looksLikeImageFolder(_ path: String) -> Bool {
        guard isDirectory(path), let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        let mnist = entries.contains { $0.hasPrefix("train-images") || $0.hasPrefix("t10k-images") || $0.hasPrefix("train.idx") }
        return !mnist && entries.contains { !$0.hasPrefix(".") && isDirectory(path + "/" + $0) }
    }

    /// `os.walk` of `top` (not following symlinked directories), directories in sorted path
    /// order, each one's image files sorted.
    static func walk(_ top: String) -> [String] {
        let fm = FileManager.default
        var directories: [String] = [], pending = [top]
        while let dir = pending.popLast() {
            directories.append(dir)
            for entry in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
                let path = dir + "/" + entry
                if isDirectory(path, followingLinks: false) { pending.append(path) }
            }
        }
        var files: [String] = []
        for dir in directories.sorted(by: pythonLess) {
            let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { name in
                let lower = name.lowercased()
                return extensions.contains { lower.hasSuffix($0) } && !isDirectory(dir + "/" + name)
            }
            files += names.sorted(by: pythonLess).map { dir + "/" + $0 }
        }
        return files
    }

    /// Keras's `get_training_or_validation_split`: the last `int(fraction * n)` files are the
    /// validation subset, the others the training subset.
    public func subset(_ subset: Subset, fraction: Double) -> ImageFolder {
        let held = Int(fraction * Double(files.count))
        let range = subset == .training ? 0..<(files.count - held) : (files.count - held)..<files.count
        return ImageFolder(directory: directory, classNames: classNames, files: Array(files[range]), labels: Array(labels[range]))
    }

    public enum Subset: String, Sendable { case training, validation }

    /// The first `n` files (all of them if `n` is nil or larger).
    public func prefix(_ n: Int?) -> ImageFolder {
        guard let n, n < files.count else { return self }
        return ImageFolder(directory: directory, classNames: classNames, files: Array(files.prefix(n)), labels: Array(labels.prefix(n)))
    }
}

/// Python's str ordering: by code point, which UTF-8 byte order equals.
func pythonLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

func isDirectory(_ path: String, followingLinks: Bool = true) -> Bool {
    var st = stat()
    let status = followingLinks ? stat(path, &st) : lstat(path, &st)
    return status == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// NumPy's legacy MT19937 (`np.random.RandomState(seed)`), enough of it to reproduce
/// `RandomState.shuffle` bit for bit.
struct MT19937 {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `init_genrand`, what RandomState does with an integer seed.
    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
    }

    mutating func next() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
                state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    mutating func next64() -> UInt64 { UInt64(next()) << 32 | UInt64(next()) }

    /// numpy's `random_interval`: a uniform value in 0...max by masked rejection.
    mutating func interval(_ max: UInt64) -> UInt64 {
        guard max > 0 else { return 0 }
        var mask = max
        for s in [1, 2, 4, 8, 16, 32] as [UInt64] { mask |= mask >> s }
        while true {
            let value = max <= 0xFFFF_FFFF ? UInt64(next()) & mask : next64() & mask
            if value <= max { return value }
        }
    }

    /// Where each element of a list of `n` ends up after `RandomState.shuffle`: the result is
    /// `order.map { list[$0] }` (Fisher-Yates from the end).
    mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        guard n > 1 else { return order }
        for i in stride(from: n - 1, through: 1, by: -1) {
            order.swapAt(i, Int(interval(UInt64(i))))
        }
        return order
    }
}
