import Foundation
import ZooSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public enum WeightDownloadError: Error, CustomStringConvertible, Equatable {
    case http(url: String, status: Int)
    case network(url: String, reason: String)
    case checksum(file: String, expected: String, found: String)
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case let .http(url, status): "HTTP \(status) downloading \(url)"
        case let .network(url, reason): "network error downloading \(url): \(reason)"
        case let .checksum(file, expected, found):
            "\(expected.count == 64 ? "sha256" : "md5") mismatch for \(file): expected \(expected), got \(found)"
        case let .io(file, reason): "cannot write \(file): \(reason)"
        }
    }
}

/// Fetches a weight file the way Keras's `get_file` does: download, verify its `file_hash`
/// (md5 or sha256, told apart by length as Keras does), then publish.
public struct WeightDownloader: Sendable {
    /// Seconds without any received data before giving up (an idle timeout, not a total one:
    /// corelibs resets its timer on every chunk, so slow 500 MB downloads are fine).
    public var idleTimeout: TimeInterval

    public init(idleTimeout: TimeInterval = 60) {
        self.idleTimeout = idleTimeout
    }

    /// Downloads `url` to `destination` through `AtomicOutput`: the data streams into a
    /// `.<name>.tmp-<pid>-<random>` file next to it and is renamed into place (atomically, same
    /// filesystem) only once complete and its hash checked, so a partial or wrong file is never
    /// mistaken for a cached one, even after `kill -9`; the next download of the name removes
    /// temporaries of dead processes. On any failure `destination` is untouched.
    /// `progress(bytesSoFar, totalBytesOrNil)` is throttled to ~10 calls/s, and always gets a final
    /// call with the full size on success. It runs on a URLSession thread.
    public func download(from url: URL, to destination: String, fileHash: String?,
                         progress: (@Sendable (Int64, Int64?) -> Void)? = nil) throws {
        let directory = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WeightDownloadError.io(file: directory, reason: AtomicOutput.reason(error))
        }
        // AtomicOutput reports any failure as a write error; a failed download keeps its own.
        var failure: WeightDownloadError?
        do {
            try AtomicOutput.write(to: destination) { temporary in
                do {
                    try fetch(url, into: temporary, fileHash: fileHash, destination: destination, progress: progress)
                } catch let error as WeightDownloadError {
                    failure = error
                    throw error
                }
            }
        } catch {
            throw failure ?? WeightDownloadError.io(file: destination, reason: (error as? OutputError)?.reason ?? "\(error)")
        }
    }

    private func fetch(_ url: URL, into path: String, fileHash: String?, destination: String,
                       progress: (@Sendable (Int64, Int64?) -> Void)?) throws {
        let file: FileHandle
        do {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } catch {
            throw WeightDownloadError.io(file: destination, reason: AtomicOutput.reason(error))
        }
        defer { try? file.close() }  // idempotent; makes early exits safe

        let sink = WeightDownloadSink(url: url.absoluteString, file: file, destination: destination, progress: progress)
        let config = URLSessionConfiguration.ephemeral
        config.urlCache = nil  // the default on-disk cache would keep a second copy of every weight file
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.timeoutIntervalForRequest = idleTimeout
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: config, delegate: sink, delegateQueue: queue)
        // The session retains its delegate until invalidated; without this each call would leak.
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url).resume()
        sink.waitUntilComplete()

        if let failure = sink.failure { throw failure }
        do { try file.synchronize(); try file.close() } catch {
            throw WeightDownloadError.io(file: destination, reason: AtomicOutput.reason(error))
        }
        if let expected = fileHash?.lowercased() {
            let found: String
            // Keras's `validate_file`: 64 hex digits are a sha256, anything else an md5.
            do { found = expected.count == 64 ? try SHA256.hex(ofFile: path) : try MD5.hex(ofFile: path) } catch {
                throw WeightDownloadError.io(file: destination, reason: AtomicOutput.reason(error))
            }
            guard found == expected else {
                throw WeightDownloadError.checksum(file: destination, expected: expected, found: found)
            }
        }
    }
}

/// URLSession delegate that appends each chunk to the temporary file as it arrives.
///
/// `@unchecked Sendable` because URLSession requires a Sendable delegate and calls it on its own
/// queue while `download` blocks on another thread and reads the outcome afterwards. Every mutable
/// field is read and written only while holding `lock`, so sharing it between those threads is safe.
final class WeightDownloadSink: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let url: String
    private let file: FileHandle
    private let destination: String
    private let progress: (@Sendable (Int64, Int64?) -> Void)?
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received: Int64 = 0
    private var expected: Int64?
    private var lastReport: UInt64 = 0  // DispatchTime nanoseconds
    private var _failure: WeightDownloadError?

    init(url: String, file: FileHandle, destination: String, progress: (@Sendable (Int64, Int64?) -> Void)?) {
        self.url = url
        self.file = file
        self.destination = destination
        self.progress = progress
    }

    var failure: WeightDownloadError? { lock.withLock { _failure } }

    func waitUntilComplete() { done.wait() }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            // Record the status before cancelling so the cancellation error doesn't mask it.
            lock.withLock { _failure = .http(url: url, status: http.statusCode) }
            completionHandler(.cancel)
            return
        }
        lock.withLock { expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let report: (Int64, Int64?)? = lock.withLock {
            guard _failure == nil else { return nil }
            do {
                try file.write(contentsOf: data)
            } catch {
                _failure = .io(file: destination, reason: AtomicOutput.reason(error))
                dataTask.cancel()
                return nil
            }
            received += Int64(data.count)
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastReport >= 100_000_000 else { return nil }
            lastReport = now
            return (received, expected)
        }
        // Outside the lock: a slow progress bar must not be able to deadlock against us.
        if let (soFar, total) = report { progress?(soFar, total) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let final: (Int64, Int64?)? = lock.withLock {
            if _failure == nil {
                if let error {
                    _failure = .network(url: url, reason: error.localizedDescription)
                } else if let expected, received != expected {
                    // A dropped connection can look like a clean end of stream; Content-Length tells.
                    _failure = .network(url: url, reason: "truncated: got \(received) of \(expected) bytes")
                }
            }
            return _failure == nil ? (received, expected) : nil
        }
        if let (soFar, total) = final { progress?(soFar, total) }
        done.signal()
    }
}
