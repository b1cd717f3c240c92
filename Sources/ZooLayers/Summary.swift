import Foundation
import ZooTensor

extension Model {
    /// A table like Keras's `model.summary()`; see `ModelGraph.summary()`.
    public func summary() -> String { graph.summary() }
}

extension ModelGraph {
    /// A table like Keras's `model.summary()`: layer (type), output shape, parameters, and for
    /// non-sequential models the inbound layers; then the totals.
    public func summary() -> String {
        let connected = !isSequential
        var rows: [[String]] = [["Layer (type)", "Output Shape", "Param #"] + (connected ? ["Connected to"] : [])]
        for node in nodes {
            rows.append(["\(node.name) (\(node.className))", describeShape(node.outputShape),
                         grouped(node.parameterCount)] + (connected ? [node.inbound.joined(separator: ", ")] : []))
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! + 2 }
        let total = widths.reduce(0, +)
        func line(_ r: [String]) -> String {
            zip(r, widths).map { $0.padded(to: $1) }.joined()
                .trimmingTrailingSpaces()
        }
        var out = ["Model: \"\(name)\"", String(repeating: "_", count: total), line(rows[0]),
                   String(repeating: "=", count: total)]
        for (i, r) in rows.dropFirst().enumerated() {
            out.append(line(r))
            if i < rows.count - 2 { out.append("") }
        }
        out.append(String(repeating: "=", count: total))
        out.append("Total params: \(grouped(parameterCount)) (\(megabytes(parameterCount)))")
        out.append("Trainable params: \(grouped(trainableCount)) (\(megabytes(trainableCount)))")
        out.append("Non-trainable params: \(grouped(parameterCount - trainableCount)) (\(megabytes(parameterCount - trainableCount)))")
        out.append(String(repeating: "_", count: total))
        return out.joined(separator: "\n")
    }
}

/// 138357544 -> "138,357,544", as Keras 3 prints parameter counts.
public func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return out
}

func megabytes(_ params: Int) -> String {
    let bytes = Double(params * 4)
    if bytes >= 1_048_576 { return String(format: "%.2f MB", bytes / 1_048_576) }
    if bytes >= 1024 { return String(format: "%.2f KB", bytes / 1024) }
    return "\(Int(bytes)) B"
}

extension String {
    /// Left-aligned in a column of `n` characters; an over-long cell keeps one space after it.
    func padded(to n: Int) -> String {
        count >= n ? self + " " : self + String(repeating: " ", count: n - count)
    }
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
