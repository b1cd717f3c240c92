import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
import ZooTestSupport

/// A python3 HTTP server on 127.0.0.1, started per test and killed in tearDown.
final class WeightTestServer {
    let port: UInt16
    private let process = Process()

    /// Serves `directory` with `python3 -m http.server`, or runs `script` (which gets the port as argv[1]).
    init(directory: String? = nil, script: String? = nil) throws {
        port = try WeightTestServer.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if let script {
            process.arguments = ["python3", "-c", script, String(port)]
        } else {
            process.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1",
                                 "--directory", directory!]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded wait: 100 × 50 ms.
        for _ in 0..<100 {
            if WeightTestServer.accepts(port: port) { return }
            usleep(50_000)
        }
        stop()
        throw XCTSkip("python3 server did not start on port \(port)")
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Asks the kernel for an unused loopback port (bind to 0), then releases it for the server.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var addr = loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        return UInt16(bigEndian: addr.sin_port)
    }

    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = loopback(port: port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }
}
