import ArgumentParser
import ZooData

extension ColorMode: ExpressibleByArgument {}

/// The flags for a folder of class subfolders given as --data (Keras's
/// `image_dataset_from_directory` options and zoo's handling of bad files).
struct DataOptions: ParsableArguments {
    @Option(help: "With --data an image folder: a folder of the same class subfolders as the test split (default: carve it from --data with --test-split).")
    var testData: String?

    @Option(help: "With --data an image folder and no --test-data: the fraction of its files held out as the test split, carved as Keras's validation_split with --split-seed (the same files as image_dataset_from_directory(..., validation_split=F, subset=\"validation\", seed=S)).")
    var testSplit: Double = 0.2

    @Option(help: "The shuffle seed of the image folder's split (Keras's seed).")
    var splitSeed: UInt32 = 1337

    @Flag(help: "Crop images to the model's aspect ratio (centred) before resizing, as Keras's crop_to_aspect_ratio.")
    var cropToAspectRatio = false

    @Option(help: "Refuse an image whose header claims more pixels than this, before decoding it (default: PIL's limit, about 9459x9459).")
    var maxPixels: Int = ImageDecoder.defaultMaxPixels

    @Flag(help: "An image that cannot be decoded is an error (exit 3) instead of being skipped with a warning.")
    var strict = false

    func validate() throws {
        guard (0..<1).contains(testSplit) else { throw ValidationError("--test-split must be in [0, 1)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }

    var settings: ImageDataSettings {
        var s = ImageDataSettings()
        s.testData = testData
        s.testSplit = testSplit
        s.seed = splitSeed
        s.cropToAspectRatio = cropToAspectRatio
        s.maxPixels = maxPixels
        s.strict = strict
        return s
    }
}

/// One warning line on stderr (a skipped image, and the count at the end).
func warn(_ message: String) { printNotice(message) }
