import Foundation
import ZooTensor

/// Limits on a Keras config, which is untrusted: every number becomes a tensor size or a
/// divisor. Keras's own models stay far inside them (VGG16's largest kernel has 103 million
/// values, its largest activation 3.2 million per sample).
public let maxHyperparameter = 1 << 20
public let maxWeightElements = 1 << 28
public let maxActivationElements = 1 << 24

/// One layer's `config` dictionary from a Keras model config, read through typed accessors that
/// throw errors naming the layer and the key. Absent keys take Keras's defaults.
public struct KerasLayerConfig {
    /// The layer's name in the file and its class, for errors.
    public let layer: String
    public let className: String
    public let values: [String: Any]

    public init(layer: String, className: String, values: [String: Any]) {
        self.layer = layer
        self.className = className
        self.values = values
    }

    public subscript(key: String) -> Any? {
        values[key] is NSNull ? nil : values[key]
    }

    public func problem(_ text: String) -> LayerError { .config(layer: layer, problem: text) }
    public func unsupported(_ hint: String) -> LayerError { .unsupported(layer: layer, className: className, hint: hint) }

    /// Sizes must be in `minimum...maxHyperparameter`.
    public func checkSizes(_ values: [Int], _ what: String, minimum: Int = 1) throws {
        guard values.allSatisfy({ (minimum...maxHyperparameter).contains($0) }) else {
            throw problem("\(what) \(values) is out of range \(minimum)...\(maxHyperparameter)")
        }
    }

    /// A size pair written as `3` or `[3, 3]` (kernel_size, strides, pool_size), each in
    /// 1...maxHyperparameter.
    public func pair(_ key: String, default d: (Int, Int)) throws -> (Int, Int) {
        func read() -> (Int, Int)? {
            switch self[key] {
            case nil: return d
            case let v as Int: return (v, v)
            case let v as [Any] where v.count == 2:
                guard let a = v[0] as? Int, let b = v[1] as? Int else { return nil }
                return (a, b)
            default: return nil
            }
        }
        guard let p = read() else { throw problem("cannot read \(key) = \(String(describing: values[key]!))") }
        try checkSizes([p.0, p.1], key)
        return p
    }

    /// A 2D border, ((top, bottom), (left, right)), written as `1`, `[1, 2]` (symmetric rows,
    /// columns) or `[[1, 2], [0, 1]]`: ZeroPadding2D's `padding` and Cropping2D's `cropping`.
    /// Each side in 0...maxHyperparameter.
    public func border(_ key: String) throws -> ((Int, Int), (Int, Int)) {
        let p: [Int]
        switch self[key] {
        case let v as Int: p = [v, v, v, v]
        case let v as [[Int]] where v.count == 2 && v.allSatisfy({ $0.count == 2 }): p = v[0] + v[1]
        case let v as [Int] where v.count == 2: p = [v[0], v[0], v[1], v[1]]
        default: throw problem("cannot read \(key)")
        }
        try checkSizes(p, key, minimum: 0)
        return ((p[0], p[1]), (p[2], p[3]))
    }

    /// An optional size (filters, units), at least `minimum`.
    public func size(_ key: String, minimum: Int = 1) throws -> Int? {
        guard let v = self[key] as? Int else { return nil }
        try checkSizes([v], key, minimum: minimum)
        return v
    }

    /// A size the class cannot do without.
    public func requiredSize(_ key: String) throws -> Int {
        guard let v = try size(key) else { throw problem("\(className) without \(key)") }
        return v
    }

    public func padding() throws -> Padding {
        let p = self["padding"] as? String ?? "valid"
        guard let v = Padding(rawValue: p) else { throw unsupported("padding \(p)") }
        return v
    }

    public func activation(_ key: String = "activation") throws -> Activation {
        let a = self[key] as? String ?? "linear"
        guard let v = Activation(rawValue: a) else { throw unsupported("activation \(a)") }
        return v
    }

    /// Zoo's tensors are NHWC, Keras's `channels_last`.
    public func requireChannelsLast() throws {
        if let f = self["data_format"] as? String, f != "channels_last" { throw unsupported("data_format \(f)") }
    }

    public func bool(_ key: String, default d: Bool) -> Bool { self[key] as? Bool ?? d }

    /// A number written as a float or an integer.
    public func float(_ key: String) -> Float? {
        (self[key] as? Double).map(Float.init) ?? (self[key] as? Int).map(Float.init)
    }

    /// An axis written as `-1`, `3` or `[3]` (tf-keras lists the axes it resolved); -1 when absent.
    public func axis() -> Int {
        (self["axis"] as? Int) ?? ((self["axis"] as? [Int])?.first) ?? -1
    }
}
