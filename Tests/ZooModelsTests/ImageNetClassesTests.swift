import Foundation
import XCTest
import ZooModels
import ZooSupport
import ZooTensor
import ZooTestSupport

/// Keras's ImageNet class index, kept as data: `Models/imagenet_class_index.json` is the file
/// keras.applications.imagenet_utils downloads (its published md5), and the library's copy is it
/// byte for byte.
final class ImageNetClassesTests: XCTestCase {
    func testTheClassIndexIsKerassFile() throws {
        let path = fixturePath("../../Models/imagenet_class_index.json")
        XCTAssertEqual(try MD5.hex(ofFile: path), ImageNetClasses.kerasMD5)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), ImageNetClasses.indexJSON)
        XCTAssertEqual(MD5.hex(of: Array(ImageNetClasses.indexJSON.utf8)), "c2c37ea517e94d9795004a39431a14cb")
    }

    func testThousandClassesWithKerassNames() {
        let classes = ImageNetClasses.classes
        XCTAssertEqual(classes.count, 1000)
        XCTAssertEqual(Set(classes.map(\.wnid)).count, 1000, "one WordNet id per class")
        XCTAssertTrue(classes[0] == ("n01440764", "tench"))
        XCTAssertTrue(classes[1] == ("n01443537", "goldfish"))
        XCTAssertTrue(classes[2] == ("n01484850", "great_white_shark"))
        XCTAssertTrue(classes[999] == ("n15075141", "toilet_tissue"))
        // Two synsets share a name in Keras's file: crane (bird, machine) and maillot.
        XCTAssertEqual(classes[134].name, "crane")
        XCTAssertEqual(classes[517].name, "crane")
        XCTAssertNotEqual(classes[134].wnid, classes[517].wnid)
    }

    /// keras decode_predictions: the top classes of each row by score, highest first.
    func testDecodePredictions() throws {
        var scores = [Float](repeating: 0.0001, count: 2000)
        for (i, p) in [(999, 0.5), (0, 0.2), (2, 0.15), (517, 0.1), (1, 0.03), (3, 0.01)] { scores[i] = Float(p) }
        scores[1000 + 134] = 0.9
        let decoded = try ImageNetClasses.decodePredictions(Tensor(shape: [2, 1000], data: scores))
        XCTAssertEqual(decoded.count, 2)
        XCTAssertEqual(decoded[0].map(\.name), ["toilet_tissue", "tench", "great_white_shark", "crane", "goldfish"])
        XCTAssertEqual(decoded[0].map(\.wnid), ["n15075141", "n01440764", "n01484850", "n03126707", "n01443537"])
        XCTAssertEqual(decoded[0].map(\.score), [0.5, 0.2, 0.15, 0.1, 0.03])
        XCTAssertEqual(decoded[1].first?.wnid, "n02012849")
        XCTAssertEqual(try ImageNetClasses.decodePredictions(Tensor(shape: [2, 1000], data: scores), top: 2)[0].count, 2)
        XCTAssertThrowsError(try ImageNetClasses.decodePredictions(Tensor(shape: [1, 10], data: Array(repeating: 0.1, count: 10)))) {
            XCTAssertTrue("\($0)".contains("[N, 1000]"), "\($0)")
        }
    }
}
