import ArgumentParser
import Foundation
import ZooData
import ZooHDF5
import ZooKeras
import ZooLayers
import ZooModels
import ZooPipelines
import ZooSupport
import ZooTraining

/// The `zoo` command. Errors end as one line on stderr and an exit code scripts can rely on
/// (see `ExitStatus` and the README).
public struct Zoo: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Run and inspect pretrained Keras applications (VGG16/19, ResNet50/101/152 and their V2) in Swift.",
        discussion: """
            Exit status: 0 success, 1 other error, 3 a file could not be read (missing, not HDF5, \
            truncated, not a Keras file), 4 the weights do not fit the model, 5 download failed, \
            6 an output could not be written (disk full, permissions), 64 bad command-line usage.
            """,
        subcommands: [Inspect.self, SummaryCommand.self, Load.self, Features.self, Finetune.self, Train.self, Graph.self, Predict.self, Evaluate.self, Forward.self, Bench.self, CatalogueCommand.self, CheckFile.self])

    public init() {}

    /// Parses and runs, mapping errors to one line and a documented exit status.
    public static func run(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            terminate(0)
        } catch let error as ExitStatus.Failure {
            printError(error.message)
            terminate(error.status.rawValue)
        } catch let error where ExitStatus.of(error) != nil {
            printError("\(error)")
            terminate(ExitStatus.of(error)!.rawValue)
        } catch let error as CocoaError {
            let path = error.userInfo[NSFilePathErrorKey] as? String ?? (error as NSError).userInfo["NSFilePath"] as? String
            printError((path.map { "\($0): " } ?? "") + error.localizedDescription)
            terminate(ExitStatus.cannotWrite.rawValue)
        } catch {
            // Help and version requests print in full; usage mistakes get one line like every error.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            printError(message(for: error) + (code == .validationFailure ? " (see `zoo help`)" : ""))
            terminate(code.rawValue)
        }
    }
}

/// Exit statuses of `zoo`; documented in `zoo --help` and the README.
public enum ExitStatus: Int32 {
    case failure = 1, unreadableFile = 3, weightsDoNotFit = 4, downloadFailed = 5, cannotWrite = 6

    public struct Failure: Error {
        public let status: ExitStatus
        public let message: String
    }

    static func of(_ error: Error) -> ExitStatus? {
        switch error {
        case is HDF5Error, is DataError: return .unreadableFile
        case let e as KerasImportError:
            switch e {
            case .weightProblems: return .weightsDoNotFit
            default: return .unreadableFile
            }
        case let e as WeightStoreError: return e.isDownload ? .downloadFailed : .unreadableFile
        case is WeightDownloadError: return .downloadFailed
        case is OutputError: return .cannotWrite
        case let e as PipelineError: return e.isUnreadableFile ? .unreadableFile : .failure
        case is ModelError, is LayerError, is TrainingError, is CheckpointError: return .failure
        default: return nil
        }
    }
}

/// Ends the process without running atexit handlers, after flushing our own output. Every file zoo
/// writes is closed before it is renamed into place, so nothing is lost; skipping the HDF5
/// library's own teardown matters after a failed write (disk full), where it crashes on the file
/// it could not close.
func terminate(_ status: Int32) -> Never {
    fflush(nil)  // every open output stream
    _exit(status)
}

func printError(_ message: String) {
    // Messages quote names and headers from untrusted files: any line break or control
    // character (\r, \u{2028}, ...) becomes a space, so the error stays one line.
    let line = String(String.UnicodeScalarView(message.unicodeScalars.map {
        $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
    }))
    FileHandle.standardError.write(Data("zoo: error: \(line)\n".utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // A diverged training run has NaN losses; Python's json reads these tokens' string forms back.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
