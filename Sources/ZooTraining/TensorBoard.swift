import Foundation

/// Writes TensorBoard event files the way Keras's TensorBoard callback lays them out:
/// `DIR/train/events.out.tfevents.*` and `DIR/validation/...`, with per-epoch scalars
/// `epoch_loss`, `epoch_accuracy` (and `epoch_learning_rate` under train).
/// Each file is a TFRecord stream of `tensorflow.Event` protobufs, encoded by hand here.
public final class TensorBoardWriter {
    private let train: FileHandle
    private let validation: FileHandle

    public init(directory: String) throws {
        train = try Self.open(directory + "/train")
        validation = try Self.open(directory + "/validation")
    }

    deinit {
        try? train.close()
        try? validation.close()
    }

    private static func open(_ dir: String) throws -> FileHandle {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        let path = "\(dir)/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(ProcessInfo.processInfo.processIdentifier).v2"
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        // The first event of every file names the format version.
        try write(h, event(step: 0, fields: field(3, string: "brain.Event:2")))
        return h
    }

    public func log(_ record: EpochRecord) throws {
        let step = Int64(record.epoch - 1)
        try Self.write(train, Self.event(step: step, fields: Self.summary([
            ("epoch_loss", Float(record.loss)), ("epoch_accuracy", Float(record.accuracy)),
            ("epoch_learning_rate", record.learningRate),
        ])))
        if let vl = record.valLoss, let va = record.valAccuracy {
            try Self.write(validation, Self.event(step: step, fields: Self.summary([
                ("epoch_loss", Float(vl)), ("epoch_accuracy", Float(va)),
            ])))
        }
    }

    // MARK: protobuf and TFRecord encoding

    /// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
    static func event(step: Int64, fields: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x09]  // field 1, 64-bit
        withUnsafeBytes(of: Date().timeIntervalSince1970.bitPattern.littleEndian) { out += $0 }
        out += [0x10] + varint(UInt64(bitPattern: step))
        return out + fields
    }

    /// Summary { repeated Value value = 1; } with Value { string tag = 1; float simple_value = 2; }
    static func summary(_ scalars: [(String, Float)]) -> [UInt8] {
        var summary: [UInt8] = []
        for (tag, value) in scalars {
            var v = field(1, string: tag)
            v += [0x15]  // field 2, 32-bit
            withUnsafeBytes(of: value.bitPattern.littleEndian) { v += $0 }
            summary += [0x0A] + varint(UInt64(v.count)) + v
        }
        return [0x2A] + varint(UInt64(summary.count)) + summary
    }

    static func field(_ number: UInt8, string: String) -> [UInt8] {
        let bytes = Array(string.utf8)
        return [number << 3 | 2] + varint(UInt64(bytes.count)) + bytes
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v != 0
        return out
    }

    /// TFRecord: length (uint64 LE), masked CRC32C of the length, data, masked CRC32C of the data.
    static func write(_ handle: FileHandle, _ data: [UInt8]) throws {
        var length: [UInt8] = []
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { length += $0 }
        var record = length
        withUnsafeBytes(of: maskedCRC(length).littleEndian) { record += $0 }
        record += data
        withUnsafeBytes(of: maskedCRC(data).littleEndian) { record += $0 }
        try handle.write(contentsOf: Data(record))
        try handle.synchronize()
    }

    static func maskedCRC(_ bytes: [UInt8]) -> UInt32 {
        let crc = crc32c(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// CRC-32C (Castagnoli), as TFRecord uses.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static let crcTable: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }
}
