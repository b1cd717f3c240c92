import Foundation
import XCTest
import ZooHDF5
@testable import ZooData

/// Indexing and splitting a folder as keras.utils.image_dataset_from_directory does, against the
/// file lists Keras produced for the fixture folder (`tools/make_image_fixtures.py`).
final class ImageFolderTests: XCTestCase {
    let base = ImageDecoderTests.base

    func testSortedIndexMatchesKeras() throws {
        let f = try H5File.open(base + "/expected.h5")
        let folder = try ImageFolder(indexing: base + "/folder", seed: nil)
        XCTAssertEqual(folder.classNames, try f.root.stringList("class_names"))
        XCTAssertEqual(folder.files.map { relative($0) }, try f.root.stringList("files"))
        guard case let .ints(labels) = try f.root.attribute("labels") else { return XCTFail("labels") }
        XCTAssertEqual(folder.labels, labels.map(Int.init))
    }

    func testSeededSplitsHoldTheSameFilesAsKeras() throws {
        let f = try H5File.open(base + "/expected.h5")
        var checked = 0
        for name in try f.root.attributeNames() where name.hasPrefix("split_") {
            let parts = name.split(separator: "_")
            let (seed, fraction) = (UInt32(parts[1])!, Double(parts[2])!)
            let subset = ImageFolder.Subset(rawValue: String(parts[3]))!
            let folder = try ImageFolder(indexing: base + "/folder", seed: seed).subset(subset, fraction: fraction)
            XCTAssertEqual(folder.files.map { relative($0) }, try f.root.stringList(name), name)
            checked += 1
        }
        XCTAssertEqual(checked, 6)
    }

    /// numpy: np.random.RandomState(5489).randint(0, 2**32, 3, dtype=np.uint64) uses 32-bit
    /// draws; the reference outputs of MT19937 for the default seed 5489.
    func testMersenneTwisterReferenceValues() {
        var mt = MT19937(seed: 5489)
        XCTAssertEqual((0..<3).map { _ in mt.next() }, [3_499_211_612, 581_869_302, 3_890_346_734])
    }

    func testBadFoldersAreOneLineErrors() throws {
        let root = NSTemporaryDirectory() + "zoo-folder-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let png = base + "/folder/bag/item0.png"
        func make(_ layout: [String: [String]]) throws -> String {
            try? FileManager.default.removeItem(atPath: root)
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            for (cls, files) in layout {
                try FileManager.default.createDirectory(atPath: root + "/" + cls, withIntermediateDirectories: true)
                for name in files { try FileManager.default.copyItem(atPath: png, toPath: root + "/" + cls + "/" + name) }
            }
            return root
        }
        XCTAssertThrowsError(try ImageFolder(indexing: make(["a": ["x.png"], "b": []]), seed: 1)) {
            XCTAssertTrue("\($0)".contains("has no images"), "\($0)")
        }
        XCTAssertThrowsError(try ImageFolder(indexing: make(["only": ["x.png"]]), seed: 1)) {
            XCTAssertTrue("\($0)".contains("only one class"), "\($0)")
        }
        XCTAssertThrowsError(try ImageFolder(indexing: make(["a": ["x.txt"], "b": ["y.doc"]]), seed: 1))
        XCTAssertThrowsError(try ImageFolder(indexing: make([:]), seed: 1)) {
            XCTAssertTrue("\($0)".contains("no class subfolders"), "\($0)")
        }
        XCTAssertFalse("\(DataError.malformed(file: "f", reason: "r"))".contains("\n"))
    }

    func testBadImagesAreSkippedOrFatalWhenStrict() throws {
        let root = NSTemporaryDirectory() + "zoo-bad-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let good = base + "/folder/bag/item0.png", bad = root + "/broken.png"
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: bad))
        var loading = ImageLoading(resize: ImageResize(height: 8, width: 8))
        let batch = try loading.load([good, bad, good])
        XCTAssertEqual(batch.kept, [0, 2])
        XCTAssertEqual(batch.pixels.shape, [2, 8, 8, 3])
        XCTAssertEqual(batch.failures.map(\.file), [bad])
        loading.strict = true
        XCTAssertThrowsError(try loading.load([good, bad])) { XCTAssertTrue("\($0)".hasPrefix(bad + ": "), "\($0)") }
    }

    private func relative(_ path: String) -> String { String(path.dropFirst(base.count + "/folder/".count)) }
}
