/// Classification results: accuracy, per-class accuracy and the confusion matrix
/// (rows: true class, columns: predicted class).
public struct Evaluation: Sendable, Codable {
    public let loss: Double
    public let accuracy: Double
    public let count: Int
    public let perClassAccuracy: [Double]
    public let confusion: [[Int]]

    public init(loss: Double, predictions: [Int], labels: [Int], classes: Int) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, y) in zip(predictions, labels) { confusion[y][p] += 1 }
        self.loss = loss
        self.count = labels.count
        self.accuracy = labels.isEmpty ? 0 : Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
        self.perClassAccuracy = confusion.enumerated().map { c, row in
            let total = row.reduce(0, +)
            return total == 0 ? 0 : Double(row[c]) / Double(total)
        }
        self.confusion = confusion
    }

    /// Per-class accuracy and the confusion matrix as text.
    public func table() -> String {
        let classes = confusion.count
        var lines = ["class  accuracy  count"]
        for c in 0..<classes {
            lines.append(String(format: "%5d  %8.4f  %5d", c, perClassAccuracy[c], confusion[c].reduce(0, +)))
        }
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        lines.append("      " + (0..<classes).map { String(format: "%5d", $0) }.joined())
        for c in 0..<classes {
            lines.append(String(format: "%5d ", c) + confusion[c].map { String(format: "%5d", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
