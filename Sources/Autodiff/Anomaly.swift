import Tensors

// Anomaly detection: where a NaN or an infinity was born, forward or backward, with the
// user's source line.
//
// Note [Anomaly detection]: off (the default), recording costs one comparison of a flag the
// record path reads anyway, and the reverse pass one more per adjoint contribution. On, every
// record also keeps its caller's file and line (the public ops take `#fileID`/`#line`;
// operators cannot, and say so), every recorded value is scanned, and every adjoint
// contribution too: the first forward op whose output holds a NaN or ±∞ that its inputs did
// not, the first leaf that holds one, and the first VJP whose contribution holds one its
// upstream did not, are reported — stopping the program (`.stop`, like a shape error) or kept
// in `tape.firstAnomaly` (`.collect`, as the Trainer does). Unlike PyTorch's `detect_anomaly`
// it names the forward op's own line, and unlike `jax_debug_nans` it needs no re-run.

/// What the tape does about a NaN or an infinity that appears (Note [Anomaly detection]).
public enum AnomalyDetection: Sendable, Equatable {
    /// Nothing is checked (the default).
    case off
    /// The first anomaly stops the program with its report.
    case stop
    /// The first anomaly is kept in ``Tape/firstAnomaly``; work goes on.
    case collect
}

/// Where a NaN or an infinity was born, with what the user needs to find it.
public struct AnomalyReport: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether a recorded value, an operation's output or a VJP's contribution held it.
    public enum Phase: Sendable, Equatable {
        /// A leaf (a variable or a constant) was recorded with it.
        case leaf
        /// An operation's output held it while its inputs did not.
        case forward
        /// A VJP's contribution to an input's adjoint held it while the upstream did not.
        case backward
    }
    /// Where it appeared.
    public let phase: Phase
    /// The operation's name, as in `Docs/Operators.md` (`variable` or `constant` for a leaf).
    public let operation: String
    /// The record's index on the tape.
    public let record: Int
    /// The caller's `file:line`, or nil when the op was called through an operator or a rule.
    public let site: String?
    /// The shape of the value that held it.
    public let shape: [Int]
    /// The first offending element's multi-index and its value.
    public let index: [Int]
    /// The offending value (NaN, +∞ or −∞).
    public let value: Double
    /// For a backward anomaly, which input's adjoint; nil otherwise.
    public let input: Int?
    /// The inputs' (or upstream's and inputs') ranges, min … max, as text: what the op was given.
    public let context: [String]

    /// One sentence, e.g. "log at Model.swift:42 produced -inf at [3, 1] (shape [4, 2]) from
    /// input 0 in [0.0, 2.5]".
    public var description: String {
        let place = site.map { " at \($0)" } ?? " (called through an operator)"
        let found = "\(Self.format(value)) at \(index) (shape \(shape))"
        let given = context.isEmpty ? "" : " from " + context.joined(separator: ", ")
        switch phase {
        case .leaf: return "\(operation) #\(record)\(place) holds \(found)"
        case .forward: return "\(operation)\(place) produced \(found)\(given)"
        case .backward:
            return "the VJP of \(operation)\(place) (record #\(record)) produced \(found) in the adjoint of input \(input ?? 0)\(given)"
        }
    }

    static func format(_ x: Double) -> String { x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
}

/// A caller's file and line, kept per record while anomalies are detected.
@usableFromInline
struct RecordSite {
    let file: StaticString
    let line: UInt
    var text: String { "\(file):\(line)" }
}

extension Tensor {
    /// "name in [min, max]" (NaN-aware: "name holds nan" when it does).
    func rangeDescription(_ name: String) -> String {
        if count == 0 { return "\(name) (empty)" }
        if let k = firstNonFiniteOffset() { return "\(name) holding \(AnomalyReport.format(Double(scalars[k])))" }
        let lo = scalars.min()!, hi = scalars.max()!
        return lo == hi ? "\(name) = \(lo)" : "\(name) in [\(lo), \(hi)]"
    }

    /// The multi-index of a flat offset.
    func multiIndex(_ offset: Int) -> [Int] {
        var index = [Int](), r = offset
        for s in Shape.strides(shape) { index.append(r / s); r %= s }
        return index
    }
}

extension Tape {
    /// What this tape does about NaN and ±∞ (Note [Anomaly detection]); `.off` by default.
    public var anomalyDetection: AnomalyDetection {
        get { storage.pointee.anomalyDetection }
        set { storage.pointee.anomalyDetection = newValue }
    }

    /// The first anomaly found under `.collect`, if any.
    public var firstAnomaly: AnomalyReport? { storage.pointee.firstAnomaly }

    /// Runs `body` with anomaly detection in `mode` (by default: stop at the first), then
    /// restores the previous mode.
    public func withAnomalyDetection<Result>(_ mode: AnomalyDetection = .stop, _ body: () throws -> Result) rethrows -> Result {
        let saved = anomalyDetection
        anomalyDetection = mode
        defer { anomalyDetection = saved }
        return try body()
    }

    /// Reports an anomaly: stops, or keeps the first.
    func raise(_ report: AnomalyReport) {
        if storage.pointee.anomalyDetection == .stop {
            fatalError("anomaly: \(report)")
        }
        if storage.pointee.firstAnomaly == nil { storage.pointee.firstAnomaly = report }
    }

    /// The site recorded for record `i`, as text.
    func siteText(_ i: Int) -> String? { storage.pointee.sites[i]?.text }

    /// The forward check of a value about to be recorded at index `count` (the slow path).
    @inline(never)
    func checkForward(_ op: Op<Scalar>, _ value: Tensor<Scalar>, file: StaticString, line: UInt, isVariable: Bool) {
        let index = storage.pointee.count
        if line != 0 { storage.pointee.sites[index] = RecordSite(file: file, line: line) }
        guard let k = value.firstNonFiniteOffset() else { return }
        let inputs = op.inputs.map { storage.pointee.value(at: $0) }
        if case .leaf = op {
            raise(AnomalyReport(phase: .leaf, operation: isVariable ? "variable" : "constant", record: index,
                                site: siteText(index), shape: value.shape, index: value.multiIndex(k),
                                value: Double(value.scalars[k]), input: nil, context: []))
            return
        }
        if inputs.contains(where: { $0.firstNonFiniteOffset() != nil }) { return }  // carried, not born here
        raise(AnomalyReport(phase: .forward, operation: op.name, record: index, site: siteText(index), shape: value.shape,
                            index: value.multiIndex(k), value: Double(value.scalars[k]), input: nil,
                            context: inputs.enumerated().map { $1.rangeDescription("input \($0)") }))
    }

    /// The backward check of one contribution of record `i`'s VJP to input `j`.
    @inline(never)
    func checkBackward(record i: Int, input j: Int, _ contribution: Tensor<Scalar>, upstream: Tensor<Scalar>?) {
        guard let k = contribution.firstNonFiniteOffset(), let upstream, upstream.firstNonFiniteOffset() == nil else { return }
        let op = storage.pointee.base[i].op
        let position = op.inputs.firstIndex(of: j) ?? 0
        raise(AnomalyReport(phase: .backward, operation: op.name, record: i, site: siteText(i), shape: contribution.shape,
                            index: contribution.multiIndex(k), value: Double(contribution.scalars[k]), input: position,
                            context: [upstream.rangeDescription("an upstream")]
                                + op.inputs.enumerated().map { storage.pointee.value(at: $1).rangeDescription("input \($0)") }))
    }
}
