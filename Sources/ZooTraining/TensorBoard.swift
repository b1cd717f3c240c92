import Foundation
import ZooLayers
import ZooSupport

/// Writes TensorBoard event files the way Keras's TensorBoard callback lays them out:
/// `DIR/train/events.out.tfevents.*` and `DIR/validation/...`, with per-epoch scalars
/// `epoch_loss`, `epoch_accuracy` (and `epoch_learning_rate` under train); with `setModel`, the
/// model's graph (Keras's `write_graph=True`); with `histogramFreq` N > 0, a histogram of every
/// weight every N epochs (Keras's `histogram_freq`).
/// Each file is a TFRecord stream of `tensorflow.Event` protobufs, encoded by hand here.
public final class TensorBoardWriter {
    private let train: FileHandle
    private let validation: FileHandle
    /// Epochs between weight histograms; 0 writes none.
    public let histogramFreq: Int
    /// Epochs trained before this writer's first (Keras's `initial_epoch`): a second training
    /// stage (`--unfreeze`) logs at the steps after the first's, not again from 0.
    public let initialEpoch: Int
    private var model: Model?

    public init(directory: String, histogramFreq: Int = 0, initialEpoch: Int = 0) throws {
        precondition(histogramFreq >= 0, "histogramFreq \(histogramFreq) < 0")
        self.histogramFreq = histogramFreq
        self.initialEpoch = initialEpoch
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
        // The first event of every file names the format version; a file without it is removed.
        do { try write(h, event(step: 0, fields: field(3, string: "brain.Event:2"))) } catch {
            unlink(path)
            throw error
        }
        return h
    }

    /// Keras's `set_model` with `write_graph=True`, into the train run: the `keras` summary
    /// (the model's JSON config, which TensorBoard draws as the conceptual graph) and a GraphDef
    /// of one node per layer (the op graph: Keras layer names, class names as ops, inbound
    /// layers as inputs, output shapes on the edges). `model` is the one whose weights the
    /// histograms show; `graph` is what is drawn, by default the model's own (a caller training
    /// part of a larger model may draw the whole).
    public func setModel(_ model: Model, graph: ModelGraph? = nil) throws {
        self.model = model
        let graph = graph ?? model.graph
        try Self.write(train, Self.event(step: 0, fields: Self.summary([try Self.kerasModelValue(graph)])))
        try Self.write(train, Self.event(step: 0, fields: Self.field(4, Self.graphDef(graph))))
    }

    /// Keras's `on_epoch_end`: the epoch's scalars, then (every `histogramFreq` epochs, counting
    /// from the first) the weight histograms.
    public func log(_ record: EpochRecord) throws {
        let step = Int64(initialEpoch + record.epoch - 1)
        try Self.write(train, Self.event(step: step, fields: Self.summary([
            Self.scalarValue("epoch_loss", Float(record.loss)), Self.scalarValue("epoch_accuracy", Float(record.accuracy)),
            Self.scalarValue("epoch_learning_rate", record.learningRate),
        ])))
        if let vl = record.valLoss, let va = record.valAccuracy {
            try Self.write(validation, Self.event(step: step, fields: Self.summary([
                Self.scalarValue("epoch_loss", Float(vl)), Self.scalarValue("epoch_accuracy", Float(va)),
            ])))
        }
        if histogramFreq > 0, step % Int64(histogramFreq) == 0, let model {
            try Self.write(train, Self.event(step: step, fields: Self.summary(Self.histogramValues(model))))
        }
    }

    /// One histogram per weight of every layer, frozen ones included, in layer order, tagged as
    /// tf-keras tags them: the variable name `layer/kernel:0` with ":" made "_", then
    /// "/histogram".
    static func histogramValues(_ model: Model) -> [[UInt8]] {
        model.layers.flatMap { layer in
            layer.weights.map { w in histogramValue("\(layer.name)/\(w.name)_0/histogram", histogram(w.value.data)) }
        }
    }

    // MARK: summaries

    /// The number of buckets `tf.summary.histogram` uses.
    static let histogramBuckets = 30

    /// TensorBoard's histogram of `values` (`tensorboard.plugins.histogram.summary_v2.histogram_pb`,
    /// which `tf.summary.histogram` follows): `buckets` equal-width buckets from the minimum to
    /// the maximum as (left edge, right edge, count), computed in double precision as numpy does.
    /// All values equal: every edge is that value and the last bucket holds them all.
    static func histogram(_ values: [Float], buckets: Int = histogramBuckets) -> [(left: Double, right: Double, count: Double)] {
        guard buckets > 0 else { return [] }
        guard let lo = values.min().map(Double.init), let hi = values.max().map(Double.init) else {
            return Array(repeating: (0, 0, 0), count: buckets)
        }
        let range = hi - lo
        guard range != 0 else {
            return (0..<buckets).map { (lo, lo, $0 == buckets - 1 ? Double(values.count) : 0) }
        }
        let width = range / Double(buckets)
        var counts = [Double](repeating: 0, count: buckets)
        for v in values { counts[min(Int(((Double(v) - lo) / width).rounded(.down)), buckets - 1)] += 1 }
        // numpy.linspace(lo, hi, buckets + 1): i * step + lo, the last edge exactly hi.
        let edges = (0...buckets).map { $0 == buckets ? hi : Double($0) * width + lo }
        return (0..<buckets).map { (edges[$0], edges[$0 + 1], counts[$0]) }
    }

    /// Summary { repeated Value value = 1; }
    static func summary(_ values: [[UInt8]]) -> [UInt8] {
        field(5, values.flatMap { field(1, $0) })
    }

    /// Value { string tag = 1; float simple_value = 2; }: the legacy scalar TensorBoard reads as
    /// a scalar without plugin metadata.
    static func scalarValue(_ tag: String, _ value: Float) -> [UInt8] {
        field(1, string: tag) + field(2, float: value)
    }

    /// Value { tag = 1; TensorProto tensor = 8; SummaryMetadata metadata = 9; } of the histogram
    /// plugin: a float64 tensor [buckets, 3].
    static func histogramValue(_ tag: String, _ buckets: [(left: Double, right: Double, count: Double)]) -> [UInt8] {
        var content: [UInt8] = []
        for b in buckets { for v in [b.left, b.right, b.count] { content += littleEndian(v.bitPattern) } }
        let tensor = field(1, varint: DataType.double) + field(2, tensorShape([buckets.count, 3])) + field(4, content)
        return field(1, string: tag) + field(8, tensor) + field(9, pluginMetadata("histograms", content: []))
    }

    /// tf-keras's `keras_model_summary("keras", model, step=0)`: the model's JSON config as a
    /// scalar string tensor of the `graph_keras_model` plugin (content "1", its version). The
    /// config has Keras 3's `inbound_nodes`, the form TensorBoard's graph plugin draws edges from.
    static func kerasModelValue(_ graph: ModelGraph) throws -> [UInt8] {
        let json = try graph.kerasJSON(kerasVersion: nil, inboundNodes: .keras3)
        let tensor = field(1, varint: DataType.string) + field(2, []) + field(8, Array(json.utf8))
        return field(1, string: "keras") + field(8, tensor) + field(9, pluginMetadata("graph_keras_model", content: Array("1".utf8)))
    }

    /// SummaryMetadata { PluginData plugin_data = 1; } with PluginData { string plugin_name = 1; bytes content = 2; }
    static func pluginMetadata(_ plugin: String, content: [UInt8]) -> [UInt8] {
        field(1, field(1, string: plugin) + (content.isEmpty ? [] : field(2, content)))
    }

    // MARK: GraphDef

    /// tensorflow.GraphDef { repeated NodeDef node = 1; } with one NodeDef per layer:
    /// { string name = 1; string op = 2; repeated string input = 3; map<string, AttrValue> attr = 5; }.
    /// Attributes: `_output_shapes` (which TensorBoard prints on the edges, batch axis -1),
    /// `dtype`, `keras_class` (as TensorBoard's own conversion of a Keras config names it),
    /// `keras_config` (the layer's `get_config()` as JSON), `parameters`, `trainable_parameters`.
    static func graphDef(_ graph: ModelGraph) throws -> [UInt8] {
        try graph.nodes.flatMap { node -> [UInt8] in
            let config = try JSONSerialization.data(withJSONObject: node.config.mapValues(jsonReady), options: [.sortedKeys])
            let attrs: [(String, [UInt8])] = [
                ("_output_shapes", field(1, field(7, tensorShape([-1] + node.outputShape)))),
                ("dtype", field(6, varint: DataType.float)),
                ("keras_class", field(2, string: node.className)),
                ("keras_config", field(2, [UInt8](config))),
                ("parameters", field(3, varint: UInt64(node.parameterCount))),
                ("trainable_parameters", field(3, varint: UInt64(node.trainableCount))),
            ]
            var def = field(1, string: node.name) + field(2, string: node.className)
            for input in node.inbound { def += field(3, string: input) }
            for (key, value) in attrs { def += field(5, field(1, string: key) + field(2, value)) }
            return field(1, def)
        }
    }

    /// TensorShapeProto { repeated Dim dim = 2; } with Dim { int64 size = 1; }; -1 is unknown.
    static func tensorShape(_ dims: [Int]) -> [UInt8] {
        dims.flatMap { field(2, field(1, varint: UInt64(bitPattern: Int64($0)))) }
    }

    /// tensorflow.DataType values.
    enum DataType {
        static let float: UInt64 = 1
        static let double: UInt64 = 2
        static let string: UInt64 = 7
    }

    // MARK: protobuf and TFRecord encoding

    /// Event { double wall_time = 1; int64 step = 2; string file_version = 3; bytes graph_def = 4; Summary summary = 5; }
    static func event(step: Int64, fields: [UInt8]) -> [UInt8] {
        field(1, double: Date().timeIntervalSince1970) + field(2, varint: UInt64(bitPattern: step)) + fields
    }

    /// A length-delimited field (wire type 2): bytes, strings and embedded messages.
    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number) << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    static func field(_ number: Int, string: String) -> [UInt8] { field(number, Array(string.utf8)) }

    /// Wire type 0: int32, int64 (negative ones as their 64-bit two's complement), bool, enums.
    static func field(_ number: Int, varint value: UInt64) -> [UInt8] {
        varint(UInt64(number) << 3) + varint(value)
    }

    /// Wire type 1.
    static func field(_ number: Int, double value: Double) -> [UInt8] {
        varint(UInt64(number) << 3 | 1) + littleEndian(value.bitPattern)
    }

    /// Wire type 5.
    static func field(_ number: Int, float value: Float) -> [UInt8] {
        varint(UInt64(number) << 3 | 5) + littleEndian(value.bitPattern)
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v != 0
        return out
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// TFRecord: length (uint64 LE), masked CRC32C of the length, data, masked CRC32C of the data.
    static func write(_ handle: FileHandle, _ data: [UInt8]) throws {
        let length = littleEndian(UInt64(data.count))
        let record = length + littleEndian(maskedCRC(length)) + data + littleEndian(maskedCRC(data))
        let start = try handle.offset()
        do {
            try handle.write(contentsOf: Data(record))
            try handle.synchronize()
        } catch {
            // A full disk or a failing device: the file keeps only whole records, as TensorBoard
            // reads them, and the error names it.
            try? handle.truncate(atOffset: start)
            throw OutputError(path: openedPath(handle), reason: AtomicOutput.reason(error))
        }
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

/// The path a handle was opened with (for error messages), from /proc/self/fd.
private func openedPath(_ handle: FileHandle) -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(handle.fileDescriptor)")) ?? "TensorBoard event file"
}
