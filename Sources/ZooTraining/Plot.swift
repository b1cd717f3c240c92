import Foundation

/// Training curves as an SVG: accuracy and loss per epoch, train and validation, side by side
/// (the two panels of the classic Keras MNIST figures).
public func trainingCurvesSVG(_ history: [EpochRecord], title: String) -> String {
    let (w, h, pad) = (420.0, 300.0, 48.0)
    var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(2 * w))" height="\(Int(h + 30))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(w))" y="18" text-anchor="middle" font-size="14">\(escape(title))</text>

        """
    let panels: [(String, KeyPath<EpochRecord, Double>, KeyPath<EpochRecord, Double?>)] = [
        ("accuracy", \.accuracy, \.valAccuracy), ("loss", \.loss, \.valLoss),
    ]
    for (p, (name, train, val)) in panels.enumerated() {
        let x0 = Double(p) * w + pad, y0 = 30.0, pw = w - 1.5 * pad, ph = h - pad - 10
        let series = [history.map { $0[keyPath: train] }, history.compactMap { $0[keyPath: val] }]
        let all = series.flatMap { $0 }
        let lo = all.min() ?? 0, hi = max(all.max() ?? 1, lo + 1e-9)
        let epochs = max(history.count - 1, 1)
        func point(_ i: Int, _ v: Double) -> String {
            String(format: "%.1f,%.1f", x0 + pw * Double(i) / Double(epochs), y0 + ph * (1 - (v - lo) / (hi - lo)))
        }
        svg += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(x0 + pw / 2)\" y=\"\(y0 + ph + 32)\" text-anchor=\"middle\">epoch (\(history.count))</text>\n"
        svg += "<text x=\"\(x0 + 4)\" y=\"\(y0 + 14)\">\(name)</text>\n"
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>\n", x0 - 4, y0 + 4, hi)
        svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>\n", x0 - 4, y0 + ph, lo)
        for (s, (color, label)) in [("#1f77b4", "train"), ("#ff7f0e", "validation")].enumerated() where !series[s].isEmpty {
            let points = series[s].enumerated().map { point($0, $1) }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(x0 + pw - 4)\" y=\"\(y0 + 16 + 14 * Double(s))\" text-anchor=\"end\" fill=\"\(color)\">\(label)</text>\n"
        }
    }
    return svg + "</svg>\n"
}

private func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
}
