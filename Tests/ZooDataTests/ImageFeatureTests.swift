import Foundation
import XCTest
import ZooHDF5
import ZooLayers
import ZooModels
@testable import ZooData

/// Streaming feature extraction over an image folder with the per-image cache: the rows are the
/// preprocessed pixels through the model, an edited image is the only one run again, and a bad
/// file is skipped (or fatal when strict).
final class ImageFeatureTests: XCTestCase {
    let base = ImageDecoderTests.base

    /// Flatten: features are the preprocessed pixels themselves.
    func flatten(_ size: Int) throws -> Model {
        let m = Model(name: "pixels")
        let x = try m.input("image", shape: [size, size, 3])
        _ = try m(Flatten(name: "flatten"), x)
        return m
    }

    func extract(_ folder: ImageFolder, store: ImageFeatureStore, to path: String, strict: Bool = false) throws -> ImageExtraction {
        let loading = ImageLoading(resize: ImageResize(height: 6, width: 6), strict: strict)
        return try extractImageFeatures(
            model: try flatten(6), folder: folder, hashes: try contentHashes(folder.files), loading: loading, mode: .caffe,
            batchSize: 4, store: store, to: path, attributes: [], warn: { _ in }, progress: { _ in })
    }

    func testEditingOneImageRecomputesOnlyThatImage() throws {
        let root = NSTemporaryDirectory() + "zoo-image-features-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: base + "/folder", toPath: root + "/data")
        let store = ImageFeatureStore(root: root + "/cache", configuration: "test", dimension: 6 * 6 * 3)
        var folder = try ImageFolder(indexing: root + "/data", seed: 3)
        let first = try extract(folder, store: store, to: root + "/a.h5")
        XCTAssertEqual(first.computed, folder.files.count)
        XCTAssertEqual(first.reused, 0)
        XCTAssertTrue(first.skipped.isEmpty)

        // The rows are the model applied to Keras's pixels, in the folder's order.
        let features = try H5File.open(root + "/a.h5").root.dataset("features").readFloats()
        let batch = try ImageLoading(resize: ImageResize(height: 6, width: 6)).load(folder.files)
        XCTAssertEqual(features, PreprocessingMode.caffe.preprocessInput(batch.pixels).data)
        XCTAssertEqual(try H5File.open(root + "/a.h5").root.dataset("labels").readInt64s().map(Int.init), folder.labels)

        let edited = root + "/data/coat/rgb444.jpeg"
        try FileManager.default.removeItem(atPath: edited)
        try FileManager.default.copyItem(atPath: base + "/folder/bag/rgb420.jpg", toPath: edited)
        folder = try ImageFolder(indexing: root + "/data", seed: 3)
        let second = try extract(folder, store: store, to: root + "/b.h5")
        XCTAssertEqual(second.computed, 0, "the edited file now equals another file, whose features are stored")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: root + "/data/sandal/broken.jpg"))
        try FileManager.default.copyItem(atPath: base + "/folder/bag/item0.png", toPath: root + "/data/bag/new.png")
        try Data(try Data(contentsOf: URL(fileURLWithPath: base + "/folder/sandal/gray.png")).reversed())
            .write(to: URL(fileURLWithPath: root + "/data/bag/reversed.png"))
        folder = try ImageFolder(indexing: root + "/data", seed: 3)
        let third = try extract(folder, store: store, to: root + "/c.h5")
        XCTAssertEqual(third.skipped.map(\.file).sorted(), [root + "/data/bag/reversed.png", root + "/data/sandal/broken.jpg"])
        XCTAssertEqual(third.computed, 0, "new.png has the content of item0.png")
        XCTAssertEqual(try H5File.open(root + "/c.h5").root.dataset("features").shape, [folder.files.count - 2, 6 * 6 * 3])
        XCTAssertThrowsError(try extract(folder, store: store, to: root + "/d.h5", strict: true)) {
            XCTAssertTrue("\($0)".contains("broken.jpg") || "\($0)".contains("reversed.png"), "\($0)")
        }
        // A really new image is the only one computed.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base + "/folder/sandal/rgb.bmp")))
        bytes[bytes.count - 1] ^= 0xFF  // one pixel byte: a new image
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/data/sandal/rgb.bmp"))
        folder = try ImageFolder(indexing: root + "/data", seed: 3)
        let fourth = try extract(folder, store: store, to: root + "/e.h5")
        XCTAssertEqual(fourth.computed, 1)
        XCTAssertEqual(fourth.reused, folder.files.count - 1 - 2)
    }
}
