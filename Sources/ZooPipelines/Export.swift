import Foundation
import ZooKeras
import ZooLayers
import ZooSupport
import ZooTraining

/// Writes a trained model as a Keras full model: a Keras 3 `.keras` archive when `path` ends in
/// `.keras`, otherwise legacy HDF5 (which tf_keras and Keras 3 open with `load_model`); with the
/// class names when given (an attribute Keras ignores), and, when given, its history as CSV
/// beside it (`historyPath(path)`). Both appear only when complete.
public func export(_ model: Model, history: [EpochRecord]? = nil, classNames: [String]? = nil, to path: String) throws {
    if path.hasSuffix(".keras") {
        try exportKerasArchive(model, classNames: classNames, to: path)
    } else {
        try exportKerasModel(model, classNames: classNames, to: path)
    }
    if let history { try writeHistory(history, to: historyPath(path)) }
}

/// `model.h5` (or `model.keras`) -> `model.history.csv`.
public func historyPath(_ output: String) -> String {
    for suffix in [".h5", ".keras"] where output.hasSuffix(suffix) {
        return String(output.dropLast(suffix.count)) + ".history.csv"
    }
    return output + ".history.csv"
}

/// Writes the history as CSV (Keras's CSVLogger columns), atomically.
public func writeHistory(_ history: [EpochRecord], to path: String) throws {
    var csv = "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n"
    for r in history {
        csv += "\(r.epoch),\(r.loss),\(r.accuracy),\(r.valLoss.map { "\($0)" } ?? ""),\(r.valAccuracy.map { "\($0)" } ?? ""),\(r.learningRate),\(r.seconds)\n"
    }
    try AtomicOutput.write(Data(csv.utf8), to: path)
}

/// Writes the curves as SVG, or converts them to PNG with rsvg-convert when it is installed.
public func drawPlot(_ history: [EpochRecord], to path: String, title: String, configuration: ZooConfiguration) throws {
    let svg = trainingCurvesSVG(history, title: title)
    guard path.hasSuffix(".png") else { return try AtomicOutput.write(Data(svg.utf8), to: path) }
    guard let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(where: FileManager.default.isExecutableFile) else {
        throw PipelineError.missingTool(output: path, reason: "PNG plots need rsvg-convert (Debian package librsvg2-bin); use a .svg file name")
    }
    let svgPath = configuration.temporaryPath("plot.svg")
    defer { unlink(svgPath) }
    try AtomicOutput.write(Data(svg.utf8), to: svgPath)
    try AtomicOutput.write(to: path) { tmp in try runTool(converter, ["-o", tmp, svgPath]) }
}

/// Runs an external converter (rsvg-convert, dot) and fails with its name if it fails.
public func runTool(_ tool: String, _ arguments: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw PipelineError.toolFailed(tool: URL(fileURLWithPath: tool).lastPathComponent, status: p.terminationStatus)
    }
}

/// Fails early, before any work, when `path` could not be written.
public func checkWritable(_ path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue,
          FileManager.default.isWritableFile(atPath: dir) else {
        throw OutputError(path: path, reason: "directory \(dir) is missing or not writable")
    }
}

/// Creates `dir` if needed and checks it can be written, before any work starts.
public func makeWritableDirectory(_ dir: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
        throw OutputError(path: dir, reason: "cannot create the directory")
    }
    guard FileManager.default.isWritableFile(atPath: dir) else { throw OutputError(path: dir, reason: "directory is not writable") }
}
