import Foundation
import XCTest
import ZooLayers
import ZooTensor
@testable import ZooTraining

/// A protobuf message read by wire format alone (no schema): each field number's values in order.
private struct Wire {
    enum Value {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
    }
    var fields: [(number: Int, value: Value)] = []

    init(_ bytes: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw CocoaError(.coderReadCorrupt) }
                let b = bytes[i]
                i += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        func take(_ n: Int) throws -> [UInt8] {
            guard n >= 0, i + n <= bytes.count else { throw CocoaError(.coderReadCorrupt) }
            defer { i += n }
            return Array(bytes[i..<(i + n)])
        }
        func little(_ b: [UInt8]) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        while i < bytes.count {
            let key = try varint()
            let value: Value
            switch key & 7 {
            case 0: value = .varint(try varint())
            case 1: value = .fixed64(little(try take(8)))
            case 2: value = .bytes(try take(Int(try varint())))
            case 5: value = .fixed32(UInt32(little(try take(4))))
            default: throw CocoaError(.coderReadCorrupt)
            }
            fields.append((Int(key >> 3), value))
        }
    }

    func bytes(_ n: Int) -> [[UInt8]] {
        fields.compactMap { if $0.number == n, case let .bytes(b) = $0.value { return b } else { return nil } }
    }
    func messages(_ n: Int) throws -> [Wire] { try bytes(n).map(Wire.init) }
    func message(_ n: Int) throws -> Wire { try XCTUnwrap(messages(n).first, "field \(n)") }
    func string(_ n: Int) -> String? { bytes(n).first.map { String(decoding: $0, as: UTF8.self) } }
    func strings(_ n: Int) -> [String] { bytes(n).map { String(decoding: $0, as: UTF8.self) } }
    func varint(_ n: Int) -> UInt64? {
        fields.lazy.compactMap { if $0.number == n, case let .varint(v) = $0.value { return v } else { return nil } }.first
    }
    func fixed64(_ n: Int) -> UInt64? {
        fields.lazy.compactMap { if $0.number == n, case let .fixed64(v) = $0.value { return v } else { return nil } }.first
    }
    func fixed32(_ n: Int) -> UInt32? {
        fields.lazy.compactMap { if $0.number == n, case let .fixed32(v) = $0.value { return v } else { return nil } }.first
    }
}

/// TFRecord framing: every record's length and data CRCs are checked as TensorFlow checks them.
private func readRecords(_ path: String) throws -> [Wire] {
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var i = 0, events: [Wire] = []
    func u32(_ at: Int) -> UInt32 { data[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    while i < data.count {
        let lengthBytes = Array(data[i..<(i + 8)])
        let length = Int(lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(u32(i + 8), TensorBoardWriter.maskedCRC(lengthBytes), "length CRC at \(i)")
        let payload = Array(data[(i + 12)..<(i + 12 + length)])
        XCTAssertEqual(u32(i + 12 + length), TensorBoardWriter.maskedCRC(payload), "data CRC at \(i)")
        events.append(try Wire(payload))
        i += 16 + length
    }
    return events
}

/// A shape from TensorShapeProto { repeated Dim dim = 2; } with Dim { int64 size = 1; }.
private func shape(_ proto: Wire) throws -> [Int] {
    try proto.messages(2).map { Int(Int64(bitPattern: $0.varint(1) ?? 0)) }
}

private func double(_ bits: [UInt8]) -> Double {
    Double(bitPattern: bits.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
}

final class TensorBoardTests: XCTestCase {
    func testCRC32CAndVarints() {
        // The CRC-32C check value (RFC 3720), and TFRecord's mask of it.
        XCTAssertEqual(TensorBoardWriter.crc32c(Array("123456789".utf8)), 0xE306_9283)
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(TensorBoardWriter.maskedCRC(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
        XCTAssertEqual(TensorBoardWriter.varint(0), [0])
        XCTAssertEqual(TensorBoardWriter.varint(300), [0xAC, 0x02])
        // A negative int64 is ten bytes: the batch axis -1 of an output shape.
        XCTAssertEqual(TensorBoardWriter.field(1, varint: UInt64(bitPattern: -1)), [0x08] + Array(repeating: 0xFF, count: 9) + [0x01])
        XCTAssertEqual(TensorBoardWriter.field(2, string: "ab"), [0x12, 2, 0x61, 0x62])
        XCTAssertEqual(TensorBoardWriter.field(2, float: 1), [0x15, 0, 0, 0x80, 0x3F])
        XCTAssertEqual(TensorBoardWriter.field(20, []), [0xA2, 0x01, 0])
    }

    /// tensorboard's histogram_pb: equal-width buckets from min to max, the maximum in the last.
    func testHistogramBuckets() {
        let h = TensorBoardWriter.histogram([3, 0, 1, 2], buckets: 4)
        XCTAssertEqual(h.map(\.left), [0, 0.75, 1.5, 2.25])
        XCTAssertEqual(h.map(\.right), [0.75, 1.5, 2.25, 3])
        XCTAssertEqual(h.map(\.count), [1, 1, 1, 1])
        let skewed = TensorBoardWriter.histogram([-1, -1, -0.9, 1], buckets: 2)
        XCTAssertEqual(skewed.map(\.count), [3, 1])
        XCTAssertEqual(skewed.map(\.left), [-1, 0])
        let constant = TensorBoardWriter.histogram([2, 2, 2], buckets: 3)
        XCTAssertEqual(constant.map(\.left), [2, 2, 2])
        XCTAssertEqual(constant.map(\.right), [2, 2, 2])
        XCTAssertEqual(constant.map(\.count), [0, 0, 3])
        XCTAssertEqual(TensorBoardWriter.histogram([], buckets: 2).map(\.count), [0, 0])
        var rng = SeededGenerator(seed: 5)
        let values = (0..<1000).map { _ in Float.random(in: -1...1, using: &rng) }
        let many = TensorBoardWriter.histogram(values)
        XCTAssertEqual(many.count, 30)
        XCTAssertEqual(many.map(\.count).reduce(0, +), 1000)
        XCTAssertEqual(many.first?.left, Double(values.min()!))
        XCTAssertEqual(many.last?.right, Double(values.max()!))
    }

    /// in [3] -> dense (4, relu) -> out (2, softmax)
    private func smallModel() throws -> Model {
        let m = Model(name: "small")
        var x = try m.input("in", shape: [3])
        x = try m(Dense("dense", units: 4, activation: .relu), x)
        try m(Dense("out", units: 2, activation: .softmax), x)
        m.initializeKerasDefaults(seed: 1)
        return m
    }

    private func record(_ epoch: Int) -> EpochRecord {
        EpochRecord(epoch: epoch, loss: 1.0 / Double(epoch), accuracy: 0.5, valLoss: 0.75, valAccuracy: 0.25,
                    learningRate: 0.001, seconds: 1)
    }

    private func eventFile(_ dir: String) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(files.count, 1, dir)
        return dir + "/" + (try XCTUnwrap(files.first))
    }

    /// A second stage (`--unfreeze`) goes on from the first stage's epochs, as Keras's
    /// `initial_epoch` does: its scalars and histograms are logged at steps 3, 4, 5, not 0, 1, 2.
    func testASecondStageGoesOnFromItsInitialEpoch() throws {
        let dir = NSTemporaryDirectory() + "zoo-tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let writer = try TensorBoardWriter(directory: dir, histogramFreq: 2, initialEpoch: 3)
            try writer.setModel(try smallModel())
            for epoch in 1...3 { try writer.log(record(epoch)) }
        }
        let events = try readRecords(try eventFile(dir + "/train"))
        // version, keras summary and graph at 0; scalars at 3, 4 (+ histograms: 4 % 2 == 0), 5.
        XCTAssertEqual(events.map { $0.varint(2) }, [0, 0, 0, 3, 4, 4, 5])
        XCTAssertEqual(try readRecords(try eventFile(dir + "/validation")).map { $0.varint(2) }, [0, 3, 4, 5])
    }

    /// The train file: version, the keras summary and the GraphDef at step 0, then each epoch's
    /// scalars, and histograms at epochs 1, 3, ... with --histogram-freq 2.
    func testGraphScalarsAndHistograms() throws {
        let dir = NSTemporaryDirectory() + "zoo-tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try smallModel()
        do {
            let writer = try TensorBoardWriter(directory: dir, histogramFreq: 2)
            try writer.setModel(model)
            for epoch in 1...3 { try writer.log(record(epoch)) }
        }
        let events = try readRecords(try eventFile(dir + "/train"))
        XCTAssertEqual(events.first?.string(3), "brain.Event:2")
        XCTAssertEqual(events.map { $0.varint(2) }, [0, 0, 0, 0, 0, 1, 2, 2])
        XCTAssertTrue(events.allSatisfy { $0.fixed64(1) != nil }, "every event has a wall time")

        // The keras summary: the model's JSON config as a string tensor of the graph_keras_model plugin.
        let keras = try events[1].message(5).message(1)
        XCTAssertEqual(keras.string(1), "keras")
        let metadata = try keras.message(9).message(1)
        XCTAssertEqual(metadata.string(1), "graph_keras_model")
        XCTAssertEqual(metadata.string(2), "1")
        let tensor = try keras.message(8)
        XCTAssertEqual(tensor.varint(1), 7)  // DT_STRING
        XCTAssertEqual(try shape(tensor.message(2)), [])
        let json = try XCTUnwrap(tensor.string(8))
        XCTAssertEqual(json, try model.graph.kerasJSON(kerasVersion: nil, inboundNodes: .keras3))

        // The GraphDef: a node per layer with its Keras name, class and inbound layers.
        let graph = try Wire(try XCTUnwrap(events[2].bytes(4).first))
        let nodes = try graph.messages(1)
        XCTAssertEqual(nodes.map { $0.string(1) }, ["in", "dense", "out"])
        XCTAssertEqual(nodes.map { $0.string(2) }, ["InputLayer", "Dense", "Dense"])
        XCTAssertEqual(nodes.map { $0.strings(3) }, [[], ["in"], ["dense"]])
        for (node, (expected, params)) in zip(nodes, [([-1, 3], 0), ([-1, 4], 16), ([-1, 2], 10)]) {
            var attrs: [String: Wire] = [:]
            for entry in try node.messages(5) { attrs[try XCTUnwrap(entry.string(1))] = try entry.message(2) }
            XCTAssertEqual(Set(attrs.keys), ["_output_shapes", "dtype", "keras_class", "keras_config", "parameters", "trainable_parameters"])
            XCTAssertEqual(try attrs["_output_shapes"]!.message(1).messages(7).map(shape), [expected])
            XCTAssertEqual(attrs["dtype"]?.varint(6), 1)  // DT_FLOAT
            XCTAssertEqual(attrs["keras_class"]?.string(2), node.string(2))
            XCTAssertEqual(attrs["parameters"]?.varint(3), UInt64(params))
            XCTAssertEqual(attrs["trainable_parameters"]?.varint(3), UInt64(params))
            let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(attrs["keras_config"]?.bytes(2).first))) as? [String: Any])
            XCTAssertEqual(config["name"] as? String, node.string(1))
        }

        // Scalars as tag + simple_value, each epoch.
        for (event, epoch) in zip([events[3], events[5], events[6]], 1...3) {
            let values = try event.message(5).messages(1)
            XCTAssertEqual(values.map { $0.string(1) }, ["epoch_loss", "epoch_accuracy", "epoch_learning_rate"])
            XCTAssertEqual(values.map { $0.fixed32(2).map { Float(bitPattern: $0) } }, [Float(1.0 / Double(epoch)), 0.5, 0.001])
        }

        // Histograms after epochs 1 and 3 (steps 0 and 2): one per weight, float64 [30, 3].
        for event in [events[4], events[7]] {
            let values = try event.message(5).messages(1)
            XCTAssertEqual(values.map { $0.string(1) }, ["dense/kernel_0/histogram", "dense/bias_0/histogram",
                                                         "out/kernel_0/histogram", "out/bias_0/histogram"])
            for (value, weight) in zip(values, model.layers.flatMap(\.weights)) {
                XCTAssertEqual(try value.message(9).message(1).string(1), "histograms")
                let t = try value.message(8)
                XCTAssertEqual(t.varint(1), 2)  // DT_DOUBLE
                XCTAssertEqual(try shape(t.message(2)), [30, 3])
                let content = try XCTUnwrap(t.bytes(4).first)
                XCTAssertEqual(content.count, 30 * 3 * 8)
                let numbers = stride(from: 0, to: content.count, by: 8).map { double(Array(content[$0..<($0 + 8)])) }
                let expected = TensorBoardWriter.histogram(weight.value.data)
                XCTAssertEqual(numbers, expected.flatMap { [$0.left, $0.right, $0.count] })
                XCTAssertEqual(expected.map(\.count).reduce(0, +), Double(weight.count))
            }
        }

        // The validation run: the version and its two scalars per epoch; no graph, no histograms.
        let validation = try readRecords(try eventFile(dir + "/validation"))
        XCTAssertEqual(validation.count, 4)
        XCTAssertTrue(validation.allSatisfy { $0.bytes(4).isEmpty })
        XCTAssertEqual(try validation[1].message(5).messages(1).map { $0.string(1) }, ["epoch_loss", "epoch_accuracy"])
    }

    /// A caller training part of a model draws the whole: the graph given, the histograms of
    /// the model trained.
    func testGraphOfALargerModel() throws {
        let dir = NSTemporaryDirectory() + "zoo-tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let head = try smallModel()
        let whole = Model(name: "whole")
        var x = try whole.input("digits", shape: [6])
        x = try whole(Dense("features", units: 3), x)
        for node in head.nodes.dropFirst() { x = try whole(node.layer, node.inputs.map { $0 == "in" ? x : $0 }) }
        do {
            let writer = try TensorBoardWriter(directory: dir, histogramFreq: 1)
            try writer.setModel(head, graph: whole.graph)
            try writer.log(record(1))
        }
        let events = try readRecords(try eventFile(dir + "/train"))
        let nodes = try Wire(try XCTUnwrap(events[2].bytes(4).first)).messages(1)
        XCTAssertEqual(nodes.map { $0.string(1) }, ["digits", "features", "dense", "out"])
        XCTAssertEqual(nodes.map { $0.strings(3) }, [[], ["digits"], ["features"], ["dense"]])
        XCTAssertEqual(try events[4].message(5).messages(1).map { $0.string(1) },
                       ["dense/kernel_0/histogram", "dense/bias_0/histogram", "out/kernel_0/histogram", "out/bias_0/histogram"])
    }
}
