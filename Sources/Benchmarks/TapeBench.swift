import Autodiff
import Tensors

// Tape overhead on rank-0 tensors, where the arithmetic is negligible and what is left is
// the cost of recording an op and running its VJP. The workload is the peers' chain
// (ChainBench.swift); this file keeps the anomaly-detection figure on it.

/// Forward + reverse of the peers' chain at 10⁴ ops, with and without anomaly detection.
struct ChainResult {
    let ops: Int, nsPerOp: Double, forwardNsPerOp: Double
    /// Forward + reverse with anomaly detection collecting (every value checked, sites kept).
    var detectingNsPerOp: Double? = nil
}
struct ReverseResult { let ops: Int, seconds: Double; var nsPerOp: Double { seconds / Double(ops) * 1e9 } }

/// Forward + reverse of the 10⁴-op peers' chain, in ns per op, with anomaly detection off and on.
func benchScalarChain(quick: Bool) -> ChainResult {
    let steps = 3_334, ops = 3 * steps
    func run(_ detection: AnomalyDetection, reverse: Bool) {
        let tape = Tape<Double>()
        tape.anomalyDetection = detection
        let x = tape.variable(Tensor(0.5)), a = tape.variable(Tensor(0.9)), b = tape.variable(Tensor(0.1))
        let y = peerChain(x, a, b, steps: steps)
        if reverse { blackHole(tape.gradient(of: y, wrt: [x, a, b])) } else { blackHole(y) }
    }
    let both = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { run(.off, reverse: true) }
    let forward = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { run(.off, reverse: false) }
    let detecting = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) { run(.collect, reverse: true) }
    return ChainResult(ops: ops, nsPerOp: both.best / Double(ops) * 1e9, forwardNsPerOp: forward.best / Double(ops) * 1e9,
                       detectingNsPerOp: detecting.best / Double(ops) * 1e9)
}
