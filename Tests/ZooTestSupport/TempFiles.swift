import Foundation

public func weightTestTempDir(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "zoo-\(tag)-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// From /dev/urandom: generating multi-MB payloads byte by byte is seconds slow in debug builds.
public func weightTestRandomBytes(_ count: Int) -> [UInt8] {
    let urandom = FileHandle(forReadingAtPath: "/dev/urandom")!
    defer { try? urandom.close() }
    var bytes: [UInt8] = []
    while bytes.count < count {
        bytes += urandom.readData(ofLength: count - bytes.count)
    }
    return bytes
}
