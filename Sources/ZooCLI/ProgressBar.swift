import Foundation
import ZooPipelines

/// A one-line progress bar with rate and ETA on stderr. On a terminal it redraws in place; in a
/// log (not a TTY) it prints a line every 10% of work that lasts over 2 s, so logs stay short.
/// Safe to update from any thread.
final class ProgressBar: ProgressDisplay, @unchecked Sendable {
    typealias Unit = ProgressUnit

    private let label: String
    private let unit: Unit
    private let lock = NSLock()
    private var total: Int64
    private var done: Int64 = 0
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = 0  // logs start at 10%: the first instants give no useful rate
    private let tty = isatty(STDERR_FILENO) == 1
    private var drew = false

    init(label: String, total: Int64, unit: Unit) {
        self.label = label
        self.total = total
        self.unit = unit
    }

    func update(_ done: Int64, total: Int64? = nil) {
        lock.lock()
        defer { lock.unlock() }
        self.done = done
        if let total, total > 0 { self.total = total }
        let now = Date()
        let decile = Int(10 * Double(done) / Double(max(self.total, 1)))
        // In a log, work shorter than 2 s prints nothing; longer work prints every 10%.
        if tty ? now.timeIntervalSince(lastDraw) >= 0.1 : decile > lastDecile && now.timeIntervalSince(start) >= 2 {
            lastDraw = now
            lastDecile = decile
            draw(final: false)
        }
    }

    func advance(by n: Int) {
        lock.lock()
        let d = done + Int64(n)
        lock.unlock()
        update(d)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drew { draw(final: true) }
    }

    private func draw(final: Bool) {
        drew = true
        let elapsed = Date().timeIntervalSince(start)
        let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: ".", count: max(width - filled - 1, 0))
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let amount: String
        switch unit {
        case .bytes: amount = String(format: "%.1f/%.1f MB  %.1f MB/s", Double(done) / 1e6, Double(total) / 1e6, rate / 1e6)
        case .images: amount = "\(done)/\(total) images  " + String(format: "%.1f img/s", rate)
        }
        let time = final ? "in \(clock(elapsed))" : "ETA \(clock(eta))"
        let line = "\(label) [\(bar)] \(Int(fraction * 100))%  \(amount)  \(time)"
        FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line + (final ? "\n" : "") : line + "\n").utf8))
    }
}

func clock(_ seconds: Double) -> String {
    // A server can claim any length and send a byte a minute: no ETA rather than a trap in Int().
    guard seconds.isFinite, seconds < 1e8 else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
