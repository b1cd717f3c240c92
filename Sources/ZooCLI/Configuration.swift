import Foundation
import ZooPipelines

extension ZooConfiguration {
    /// The configuration `zoo` runs with, from its environment: `KERAS_HOME` (default
    /// `~/.keras`), `ZOO_CACHE_DIR` (features in its `features` subdirectory; default
    /// `$XDG_CACHE_HOME/modelzoo/features` or `~/.cache/modelzoo/features`) and
    /// `ZOO_WEIGHTS_CATALOGUE`; `~` is the user's home directory and temporary files go to
    /// Foundation's temporary directory. HDF5 files from the user are read in a child process
    /// first (`checkInChildProcess`).
    static func fromEnvironment(_ env: [String: String]) -> ZooConfiguration {
        let home = NSHomeDirectory()
        var configuration = ZooConfiguration(
            kerasHome: env["KERAS_HOME"] ?? home + "/.keras",
            featureCacheDirectory: env["ZOO_CACHE_DIR"].map { $0 + "/features" }
                ?? (env["XDG_CACHE_HOME"] ?? home + "/.cache") + "/modelzoo/features",
            weightsCatalogue: env["ZOO_WEIGHTS_CATALOGUE"],
            temporaryDirectory: NSTemporaryDirectory(),
            checkFile: { path, name in try checkInChildProcess(path, name: name) })
        configuration.checkCacheEntry = { path in try checkInChildProcess(path, name: path, featureCacheEntry: true) }
        configuration.checkCheckpoint = { path in try checkInChildProcess(path, name: path, checkpoint: true) }
        configuration.convPolicy = ComputeEnvironment(env).convPolicy
        return configuration
    }
}

/// zoo's environment is read once, here, and passed down from the commands.
let zooConfiguration = ZooConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)

/// How long the file check's child may take when `ZOO_CHECK_TIMEOUT` (seconds) is set; without
/// it the limit scales with the file's size (`FileCheckBudget`).
let fileCheckTimeoutOverride = ProcessInfo.processInfo.environment["ZOO_CHECK_TIMEOUT"].flatMap(TimeInterval.init)
