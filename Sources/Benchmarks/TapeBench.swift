import Autodiff
import Tensors

// Tape overhead on rank-0 tensors, where the arithmetic is negligible and what is left is
// the cost of recording an op and running its VJP.

struct ChainResult {
    let ops: Int, nsPerOp: Double, forwardNsPerOp: Double
    /// Forward + reverse with anomaly detection collecting (every value checked, sites kept).
    var detectingNsPerOp: Double? = nil
}
struct ReverseResult { let ops: Int, seconds: Double; var nsPerOp: Double { seconds / Double(ops) * 1e9 } }

/// y ← y·c + d repeated: `ops` recorded operations (multiplyScalar, addScalar alternating).
@inline(never)
func scalarChain(_ tape: Tape<Double>, _ x: Variable<Double>, ops: Int) -> Variable<Double> {
    var y = x
    for _ in 0..<(ops / 2) { y = y * 0.999 + 0.001 }
    return y
}

/// Forward + reverse of a scalar chain, in ns per op.
func benchScalarChain(quick: Bool) -> ChainResult {
    let ops = 10_000
    let both = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.0))
        let y = scalarChain(tape, x, ops: ops)
        blackHole(tape.gradient(of: y, wrt: [x]))
    }
    let forward = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.0))
        blackHole(scalarChain(tape, x, ops: ops))
    }
    let detecting = measure(minTime: quick ? 0.05 : 0.3, reps: quick ? 3 : 7) {
        let tape = Tape<Double>()
        tape.anomalyDetection = .collect
        let x = tape.variable(Tensor(1.0))
        let y = scalarChain(tape, x, ops: ops)
        blackHole(tape.gradient(of: y, wrt: [x]))
    }
    return ChainResult(ops: ops, nsPerOp: both.best / Double(ops) * 1e9, forwardNsPerOp: forward.best / Double(ops) * 1e9,
                       detectingNsPerOp: detecting.best / Double(ops) * 1e9)
}

/// The reverse pass alone over chains of 10³ … 10⁶ ops (it must grow linearly).
func benchReverse(quick: Bool) -> [ReverseResult] {
    let sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]
    return sizes.map { ops in
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.0))
        let y = scalarChain(tape, x, ops: ops)
        let t = measure(minTime: quick ? 0.05 : 0.2, reps: quick ? 3 : 5) { blackHole(tape.gradient(of: y, wrt: [x])) }
        return ReverseResult(ops: ops, seconds: t.best)
    }
}
