import Testing
import Tensors
@testable import Autodiff

// The op table's "order 2" column: every op's rule, recorded, differentiated again.

/// A scalar of an op's output with a non-trivial Hessian even for linear ops:
///
///     φ(x) = Σ w ⊙ f(x) + ½ Σ f(x)²   (∇φ = Jᵀ(w + f): its rule's upstream depends on x too)
func secondOrderObjective(_ op: OpCase, _ xs: [Variable<Double>]) -> Variable<Double> {
    let y = op.f(xs)
    let w = Tensor<Double>(randomUniform: y.shape, lower: -1, upper: 1, seed: 99)
    return (y * w).sum() + (y * y).sum() * 0.5
}

/// The flattened inputs' gradient of φ as one recorded variable (creatingGraph).
func recordedGradient(_ op: OpCase, _ xs: [Variable<Double>]) -> Variable<Double> {
    let tape = xs[0].tape
    let g = tape.gradient(of: secondOrderObjective(op, xs), wrt: xs, creatingGraph: true)
    return concatenate(g.map { $0.reshaped(to: [-1]) }, alongAxis: 0)
}

func norm(_ ts: [Tensor<Double>]) -> Double { ts.flatMap(\.scalars).reduce(0) { $0 + $1 * $1 }.squareRoot() }

@Suite("Every op at order 2: its rule recorded and differentiated again")
struct SecondOrderTests {
    @Test("H·v = central differences of ∇φ along v (relative ≤ 1e-6)", arguments: opCases)
    func hessianVectorProducts(_ op: OpCase) {
        let x = op.inputs(seed: 5)
        var rng = SeededGenerator(seed: 6)
        let v = x.map { Tensor<Double>(randomNormal: $0.shape, using: &rng) }
        let hv = hessianVectorProduct(at: x, along: v) { secondOrderObjective(op, $0) }
        let h = 1e-5
        let plus = gradient(at: Swift.zip(x, v).map { $0 + h * $1 }) { secondOrderObjective(op, $0) }
        let minus = gradient(at: Swift.zip(x, v).map { $0 - h * $1 }) { secondOrderObjective(op, $0) }
        let fd = Swift.zip(plus, minus).map { ($0 - $1) / (2 * h) }
        let diff = norm(Swift.zip(hv, fd).map { $0 - $1 }), scale = Swift.max(norm(hv) + norm(fd), 1e-3)
        #expect(diff / scale <= 1e-6, "H·v \(hv) vs finite differences \(fd)")
        // relu's φ is flat where its input is negative (here the rank-0 case): H·v = 0 is right.
        #expect(norm(hv) > 0 || op.name == "relu", "a zero H·v tests nothing")
    }

    @Test("the recorded backward pass satisfies ⟨J·u, v⟩ = ⟨u, Jᵀ·v⟩ (relative ≤ 1e-6)", arguments: opCases)
    func recordedBackwardAdjointIdentity(_ op: OpCase) {
        let report = checkAdjointIdentity(at: op.inputs(seed: 7), seed: 7) { recordedGradient(op, $0) }
        #expect(report.relativeDifference <= 1e-6, "\(report)")
    }

    @Test("the Hessian is symmetric (≤ 1e-12 relative)", arguments: opCases.filter { $0.shapes.joined().reduce(0, +) <= 40 })
    func hessianSymmetry(_ op: OpCase) {
        let x = op.inputs(seed: 8)
        let blocks = hessian(at: x) { secondOrderObjective(op, $0) }
        let sizes = x.map(\.count)
        var worst = 0.0, scale = 1e-300
        for i in x.indices {
            for j in x.indices {
                let a = blocks[i][j].scalars, b = blocks[j][i].scalars
                for r in 0..<sizes[i] {
                    for c in 0..<sizes[j] {
                        worst = Swift.max(worst, Swift.abs(a[r * sizes[j] + c] - b[c * sizes[i] + r]))
                        scale = Swift.max(scale, Swift.abs(a[r * sizes[j] + c]))
                    }
                }
            }
        }
        #expect(worst / scale <= 1e-12, "asymmetry \(worst) of \(scale)")
    }

    @Test("the op table reaches every op of every family, the backward ops included, at order 3")
    func everyOpIsCovered() {
        var seen = Set<String>()
        for op in opCases {
            let tape = Tape<Double>()
            let xs = op.inputs(seed: 9).map { tape.variable($0) }
            let g = recordedGradient(op, xs)
            // A third recorded pass records the rules of the backward ops themselves.
            let hv = tape.gradient(of: (g * g).sum(), wrt: xs, creatingGraph: true)
            _ = tape.gradient(of: hv.map { ($0 * $0).sum() }.reduce(tape.constant(0), +), wrt: xs, creatingGraph: true)
            for r in tape.records { seen.insert(r.op.name.hasPrefix("custom(") ? "custom" : r.op.name) }
        }
        for name in allOpNames { #expect(seen.contains(name), "no case of the op table records `\(name)`") }
    }
}
