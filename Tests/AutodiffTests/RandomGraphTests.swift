import Testing
import Autodiff
import Tensors

/// Builds a random graph: a seeded sequence of ops over a growing pool of variables, with
/// reuse (fan-out) and broadcasting, ending in a scalar.
func randomGraph(seed: UInt64, _ inputs: [Variable<Double>]) -> Variable<Double> {
    var rng = SeededGenerator(seed: seed)
    var pool = inputs
    func pick() -> Variable<Double> { pool[Int(rng.next() % UInt64(pool.count))] }
    for _ in 0..<12 {
        let a = pick(), b = pick()
        let next: Variable<Double>
        switch rng.next() % 9 {
        case 0: next = a + b
        case 1: next = a * b
        case 2: next = tanh(a)
        case 3: next = sigmoid(a) - b
        case 4: next = a / (square(b) + 1)
        case 5: next = exp(a * 0.3)
        case 6: next = log(square(a) + 0.5)
        case 7: next = softmax(a, alongAxis: -1) * b
        default: next = a.sum(alongAxes: [0], keepingDimensions: true) + b
        }
        pool.append(next)
    }
    var total = pool[inputs.count].sum()
    for v in pool[(inputs.count + 1)...] { total = total + v.mean() }
    return total
}

@Suite("Property: random graphs")
struct RandomGraphTests {
    @Test("random graphs over broadcastable shapes: ∇ tape = finite differences (relative ≤ 1e-7)",
          arguments: [UInt64](1...12))
    func randomGraphs(seed: UInt64) {
        var rng = SeededGenerator(seed: seed &* 7919)
        let rows = 1 + Int(rng.next() % 3), cols = 1 + Int(rng.next() % 4)
        let shapes = [[rows, cols], [1, cols], [rows, cols]]
        let inputs = shapes.map { Tensor<Double>(randomUniform: $0, lower: -1.5, upper: 1.5, using: &rng) }
        let report = checkGradients(at: inputs) { randomGraph(seed: seed, $0) }
        #expect(report.passes(tolerance: 1e-7), "\(report)")
    }
}
