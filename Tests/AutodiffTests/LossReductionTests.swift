import Foundation
import Testing
import Tensors
@testable import Autodiff

@Suite("Loss reductions, single examples, and pow's edge exponents")
struct LossReductionTests {
    @Test("sigmoidCrossEntropy(reduction: .sum): value m·J and a VJP of exactly σ(z) − y")
    func sigmoidSum() {
        let tape = Tape<Double>()
        let z = tape.variable(Tensor([[0.3, -1.2], [2.5, 0.1], [-0.7, 4.0]]))
        let y = Tensor<Double>([[1, 0], [0, 1], [1, 1]])
        let sum = sigmoidCrossEntropy(logits: z, labels: y, reduction: .sum)
        let mean = sigmoidCrossEntropy(logits: z, labels: y)
        #expect(Swift.abs(sum.value.scalar / 3 - mean.value.scalar) <= 1e-15)
        let g = tape.gradient(of: sum, wrt: z)
        #expect(g == sigmoid(z.value) - y)  // bit for bit: no 1/m anywhere
        let gm = tape.gradient(of: mean, wrt: z)
        #expect(gm == (sigmoid(z.value) - y).map { $0 * (1.0 / 3) })
    }

    @Test("softmaxCrossEntropy on one example of shape [C] is −log p_c (m = 1), as in PyTorch")
    func softmaxSingleExample() {
        let tape = Tape<Double>()
        let z = tape.variable(Tensor([1, 2, 3]))
        let j = softmaxCrossEntropy(logits: z, labels: Tensor([0, 0, 1]))
        let expected = Double.log(Double.exp(1) + Double.exp(2) + Double.exp(3)) - 3  // 0.40760596444437...
        #expect(Swift.abs(j.value.scalar - expected) <= 1e-15)
        let p = exp(z.value.logSoftmax())  // the probabilities the op saves
        #expect(tape.gradient(of: j, wrt: z) == p - Tensor([0, 0, 1]))
        // Rank 3: the mean over every position of the leading axes (2·2 distributions).
        let t = Tape<Double>()
        let z3 = t.variable(Tensor<Double>(randomNormal: [2, 2, 3], seed: 4))
        var labels = Tensor<Double>(zeros: [2, 2, 3])
        for i in 0..<2 { for k in 0..<2 { labels[i, k, (i + k) % 3] = 1 } }
        let j3 = softmaxCrossEntropy(logits: z3, labels: labels)
        let total = softmaxCrossEntropy(logits: z3, labels: labels, reduction: .sum)
        #expect(Swift.abs(j3.value.scalar - total.value.scalar / 4) <= 1e-15)
    }

    @Test("pow(x, 0) has gradient 0 and pow(x, 1) passes ȳ through, even at x = 0")
    func powEdges() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([0, 2]))
        #expect(tape.gradient(of: pow(x, 0).sum(), wrt: x) == Tensor([0, 0]))
        #expect(tape.gradient(of: pow(x, 1).sum(), wrt: x) == Tensor([1, 1]))
        #expect(tape.gradient(of: pow(x, 3).sum(), wrt: x) == Tensor([0, 12]))
    }
}
