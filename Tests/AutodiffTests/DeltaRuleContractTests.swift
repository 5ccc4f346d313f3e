import Testing
import Autodiff
import Tensors

/// The VJPs whose exact floating-point sequence the DeltaRule oracle relies on for its
/// bit-for-bit comparisons (Docs/DeltaRule.md). If one of these changes, the δ-rule tests
/// would fail with a less direct message; these say which contract broke.
@Suite("VJP contracts the δ-rule oracle relies on")
struct DeltaRuleContractTests {
    let z = Tensor<Double>([[0.3, -1.7, 2.9], [-0.05, 4.25, -3.5]])
    let t = Tensor<Double>([[1, 0, 1], [0, 1, 0]])

    @Test("σ: z̄ = ȳ·(y·(1−y)), the derivative formed first")
    func sigmoidOrder() {
        let tape = Tape<Double>()
        let zv = tape.variable(z)
        let y = sigmoid(zv)
        let upstream = Tensor<Double>([[0.7, -1.3, 0.11], [2.5, -0.9, 1e-3]])
        let g = tape.gradient(of: y, wrt: [zv], seed: upstream)[0]
        let expected = upstream.zip(y.value) { g, y in g * (y * (1 - y)) }
        #expect(g.isBitwiseIdentical(to: expected))
    }

    @Test("½Σ(t−y)²: ȳ = y − t exactly when Ē = 1")
    func halfSumOfSquaresVJP() {
        let tape = Tape<Double>()
        let yv = tape.variable(sigmoid(z))
        let e = halfSumOfSquares(predictions: yv, targets: t)
        let g = tape.gradient(of: e, wrt: [yv])[0]
        #expect(g.isBitwiseIdentical(to: sigmoid(z) - t))
    }

    @Test("sigmoid cross-entropy: z̄ = (σ(z) − y)·(J̄/m)")
    func sigmoidCrossEntropyVJP() {
        let tape = Tape<Double>()
        let zv = tape.variable(z)
        let j = sigmoidCrossEntropy(logits: zv, labels: t)
        let g = tape.gradient(of: j, wrt: [zv])[0]
        let expected = (sigmoid(z) - t).map { $0 * (1.0 / 2) }
        #expect(g.isBitwiseIdentical(to: expected))
    }

    @Test("matmul: Ā = C̄·Bᵀ and B̄ = Aᵀ·C̄ are FMA chains from 0 in increasing index")
    func matmulOrder() {
        let a = Tensor<Double>([[0.1, 0.7, -0.3], [1.1, -2.2, 0.9]])
        let b = Tensor<Double>([[0.5, -0.25], [1.5, 0.3], [-0.8, 2.0]])
        let tape = Tape<Double>()
        let av = tape.variable(a), bv = tape.variable(b)
        let c = matmul(av, bv)
        let cbar = Tensor<Double>([[0.3, -0.6], [1.2, 0.45]])
        let g = tape.gradient(of: c, wrt: [av, bv], seed: cbar)
        for i in 0..<2 {
            for p in 0..<3 {
                var s = 0.0
                for j in 0..<2 { s = s.addingProduct(cbar[i, j], b[p, j]) }
                #expect(g[0][i, p].bitPattern == s.bitPattern)
            }
        }
        for p in 0..<3 {
            for j in 0..<2 {
                var s = 0.0
                for i in 0..<2 { s = s.addingProduct(a[i, p], cbar[i, j]) }
                #expect(g[1][p, j].bitPattern == s.bitPattern)
            }
        }
    }
}
