import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How training reports its progress on standard error.
public enum ProgressStyle: Sendable, Equatable {
    /// A redrawn bar when standard error is a terminal, plain lines otherwise.
    case automatic
    /// One plain line per epoch.
    case lines
    /// Nothing.
    case silent
}

/// What one epoch of training measured.
public struct EpochReport: Sendable, Equatable {
    /// The epoch, from 1.
    public let epoch: Int
    /// The mean training loss over the epoch's mini-batches (penalty included).
    public let loss: Double
    /// The accuracy on the evaluation set (or the training set if there is none), in [0, 1].
    public let accuracy: Double
    /// The loss on the evaluation set, if one was given.
    public let evaluationLoss: Double?
    /// Training throughput: examples per second of wall-clock time.
    public let examplesPerSecond: Double

    /// A report, as the trainer makes one (or to chart a history kept elsewhere).
    public init(epoch: Int, loss: Double, accuracy: Double, evaluationLoss: Double? = nil, examplesPerSecond: Double = 0) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.evaluationLoss = evaluationLoss
        self.examplesPerSecond = examplesPerSecond
    }
}

/// Writes progress to standard error: a bar redrawn in place on a terminal, one line per epoch
/// otherwise (logs, CI), nothing when silent.
struct ProgressDisplay {
    let style: ProgressStyle
    let epochs: Int
    let isTerminal: Bool

    init(style: ProgressStyle, epochs: Int) {
        self.style = style
        self.epochs = epochs
        self.isTerminal = style == .automatic && isatty(STDERR_FILENO) != 0
    }

    func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Within an epoch: the bar, the throughput, the time left for the whole run and the running
    /// loss, redrawn in place (terminal only).
    ///
    ///     epoch 3/100 [██████████··············] 5210 examples/s  ETA 0:27  loss 0.41233
    func batch(epoch: Int, done: Int, total: Int, loss: Double, since start: Date) {
        guard isTerminal, style == .automatic else { return }
        write("\r\u{1B}[2K" + Self.liveLine(epoch: epoch, epochs: epochs, done: done, total: total, loss: loss,
                                              elapsed: Date().timeIntervalSince(start)))
    }

    /// The live line's text (separate so that it can be tested without a terminal).
    static func liveLine(epoch: Int, epochs: Int, done: Int, total: Int, loss: Double, elapsed: Double) -> String {
        let width = 24
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = Double(total - done) + Double(Swift.max(epochs - epoch, 0) * total)
        let eta = rate > 0 ? duration(left / rate) : "–"
        return "epoch \(epoch)/\(epochs) [\(bar)] \(Int(rate)) examples/s  ETA \(eta)  loss \(String(format: "%.5f", loss))"
    }

    /// m:ss, or h:mm:ss from an hour.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// At the end of an epoch.
    func epochEnded(_ r: EpochReport) {
        guard style != .silent else { return }
        let eval = r.evaluationLoss.map { "  eval loss \(format($0))" } ?? ""
        let line = "epoch \(r.epoch)/\(epochs)  loss \(format(r.loss))\(eval)  accuracy \(String(format: "%.2f%%", 100 * r.accuracy))"
            + "  \(Int(r.examplesPerSecond)) examples/s"
        if isTerminal {
            write("\r\u{1B}[2K" + line + "\n")  // the epoch keeps its line; the next one goes live below
        } else {
            write(line + "\n")
        }
    }

    /// Training stopped mid-epoch: end a redrawn line so that what follows starts afresh.
    func interrupted() {
        if isTerminal { write("\n") }
    }

    func format(_ x: Double) -> String { String(format: "%.5f", x) }
}
