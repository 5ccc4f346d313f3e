import Testing
import Autodiff
import Tensors

/// The gradient of `f` at `inputs` (as trainable variables) with seed 1, or `seed` if given.
func grads(_ inputs: [Tensor<Double>], seed: Tensor<Double>? = nil,
           _ f: ([Variable<Double>]) -> Variable<Double>) -> [Tensor<Double>] {
    let tape = Tape<Double>()
    let xs = inputs.map { tape.variable($0) }
    let y = f(xs)
    return tape.gradient(of: y, wrt: xs, seed: seed)
}

/// Each VJP against its closed form, on inputs small enough to compute by hand.
@Suite("Every op: VJP values by hand")
struct ClosedFormTests {
    let x = Tensor<Double>([[1, 2], [3, 4]])
    let y = Tensor<Double>([[5, 6], [7, 8]])
    let ybar = Tensor<Double>([[1, -1], [2, 0.5]])

    @Test("add, subtract, multiply, divide: x̄ and ȳ")
    func binary() {
        #expect(grads([x, y], seed: ybar) { $0[0] + $0[1] } == [ybar, ybar])
        #expect(grads([x, y], seed: ybar) { $0[0] - $0[1] } == [ybar, -ybar])
        #expect(grads([x, y], seed: ybar) { $0[0] * $0[1] } == [Tensor([[5, -6], [14, 4]]), Tensor([[1, -2], [6, 2]])])
        let numerator = Tensor<Double>([[1, 2]]), denominator = Tensor<Double>([[4, 8]])
        let g = grads([numerator, denominator]) { ($0[0] / $0[1]).sum() }
        let expected: [Tensor<Double>] = [Tensor([[0.25, 0.125]]), Tensor([[-0.0625, -0.03125]])]  // 1/b, −a/b²
        #expect(g == expected)
    }

    @Test("broadcast VJPs sum back to the input's shape")
    func broadcastSums() {
        let row = Tensor<Double>([10, 20])
        let g = grads([x, row], seed: ybar) { $0[0] + $0[1] }
        #expect(g[1] == Tensor([3, -0.5]))  // column sums of ȳ
        let m = grads([x, Tensor(2)], seed: ybar) { $0[0] * $0[1] }
        let expected: Double = 7  // Σ ȳ ⊙ x = 1·1 + 2·(−1) + 3·2 + 4·0.5
        #expect(m[1] == Tensor(expected))
        #expect(m[0] == ybar * 2)
    }

    @Test("scalar constants on either side")
    func scalars() {
        let v = Tensor<Double>([2, 4])
        #expect(grads([v]) { (3 * $0[0] + 1).sum() } == [Tensor([3, 3])])
        #expect(grads([v]) { (1 - $0[0]).sum() } == [Tensor([-1, -1])])
        #expect(grads([v]) { ($0[0] / 2).sum() } == [Tensor([0.5, 0.5])])
        #expect(grads([v]) { (8 / $0[0]).sum() } == [Tensor([-2, -0.5])])  // −8/x²
        #expect(grads([v]) { (-$0[0]).sum() } == [Tensor([-1, -1])])
    }

    @Test("matmul: Ā = C̄·Bᵀ, B̄ = Aᵀ·C̄")
    func matmulClosedForm() {
        let g = grads([x, y], seed: ybar) { matmul($0[0], $0[1]) }
        #expect(g[0] == matmul(ybar, y.transposed()))
        #expect(g[0] == Tensor([[-1, -1], [13, 18]]))
        #expect(g[1] == Tensor([[7, 0.5], [10, 0]]))
    }

    @Test("addBias: b̄ is the column sum of ȳ")
    func addBias() {
        let g = grads([x, Tensor([1, 1])], seed: ybar) { $0[0].addingBias($0[1]) }
        #expect(g == [ybar, Tensor([3, -0.5])])
    }

    @Test("transposed and reshaped route ȳ back")
    func shapes() {
        let t = Tensor<Double>([[1, 2, 3]])
        let s = Tensor<Double>([[1], [2], [3]])
        #expect(grads([t], seed: Tensor([[4], [5], [6]])) { $0[0].transposed() } == [Tensor([[4, 5, 6]])])
        #expect(grads([t], seed: s) { $0[0].reshaped(to: [3, 1]) } == [Tensor([[1, 2, 3]])])
    }

    @Test("exp, log, sigmoid, tanh, relu, square, sqrt, pow")
    func unary() {
        let v = Tensor<Double>([1, 4])
        #expect(grads([v]) { exp($0[0]).sum() } == [exp(v)])
        #expect(grads([v]) { log($0[0]).sum() } == [Tensor([1, 0.25])])
        #expect(grads([Tensor([0])]) { sigmoid($0[0]).sum() } == [Tensor([0.25])])
        #expect(grads([Tensor([0])]) { tanh($0[0]).sum() } == [Tensor([1])])
        #expect(grads([Tensor([-1, 0, 2])]) { relu($0[0]).sum() } == [Tensor([0, 0, 1])])
        #expect(grads([v]) { square($0[0]).sum() } == [Tensor([2, 8])])
        #expect(grads([v]) { sqrt($0[0]).sum() } == [Tensor([0.5, 0.25])])
        #expect(grads([v]) { pow($0[0], 3).sum() } == [Tensor([3, 48])])
        #expect(grads([v]) { pow($0[0], 0.5).sum() } == [Tensor([0.5, 0.25])])
        #expect(grads([Tensor([-2, 0, 3])]) { abs($0[0]).sum() } == [Tensor([-1, 0, 1])])
        #expect(grads([Tensor([0, Double.pi])]) { sin($0[0]).sum() } == [Tensor([1, -1])])
        #expect(grads([Tensor([0, Double.pi / 2])]) { cos($0[0]).sum() } == [Tensor([-0.0, -1])])
    }

    @Test("logSumExp: ln(e¹ + e² + e³) by hand, stable at ±1000, gradient softmax")
    func logSumExpValues() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([[1, 2, 3], [1000, 1000, -1000]]))
        let y = logSumExp(x, alongAxis: 1)
        let expected0 = Double.log(Double.exp(1) + Double.exp(2) + Double.exp(3))  // 3.40760596444438
        #expect(Swift.abs(y.value[0] - expected0) <= 1e-15)
        #expect(y.value[1] == 1000 + Double.log(2))
        let g = tape.gradient(of: y.sum(), wrt: x)
        #expect(g.difference(from: x.value.softmax(alongAxis: 1)).relative <= 1e-15)
        #expect(logSumExp(x.value, alongAxis: 1) == y.value)
        #expect(logSumExp(x.value, alongAxis: 0, keepingDimensions: true).shape == [1, 3])
    }

    @Test("sum, mean and max: ȳ spread, averaged, or routed to the first maximum")
    func reductions() {
        #expect(grads([x]) { $0[0].sum() } == [Tensor(ones: [2, 2])])
        #expect(grads([x]) { $0[0].mean() } == [Tensor(repeating: 0.25, shape: [2, 2])])
        #expect(grads([x], seed: Tensor([1, 2])) { $0[0].sum(alongAxes: [1]) } == [Tensor([[1, 1], [2, 2]])])
        #expect(grads([x], seed: Tensor([[1, 2]])) { $0[0].mean(alongAxes: [0], keepingDimensions: true) }
            == [Tensor([[0.5, 1], [0.5, 1]])])
        let m = Tensor<Double>([[3, 7, 7], [1, 0, -1]])
        #expect(grads([m], seed: Tensor([10, 20])) { $0[0].max(alongAxis: 1) } == [Tensor([[0, 10, 0], [20, 0, 0]])])
    }

    @Test("softmax and logSoftmax: x̄ = y ⊙ (ȳ − Σȳy) and ȳ − softmax·Σȳ")
    func softmaxes() {
        let z = Tensor<Double>([[0, 0]])
        #expect(grads([z], seed: Tensor([[1, 0]])) { softmax($0[0]) } == [Tensor([[0.25, -0.25]])])
        #expect(grads([z], seed: Tensor([[1, 0]])) { logSoftmax($0[0]) } == [Tensor([[0.5, -0.5]])])
    }

    @Test("concatenate and prependingOnes: each input gets its slice")
    func concatenation() {
        let a = Tensor<Double>([[1], [2]])
        let g = grads([a, x], seed: Tensor([[1, 2, 3], [4, 5, 6]])) { concatenate($0, alongAxis: 1) }
        #expect(g == [Tensor([[1], [4]]), Tensor([[2, 3], [5, 6]])])
        let tape = Tape<Double>()
        let h = tape.variable(x)
        let a1 = h.prependingOnes()
        #expect(a1.value == Tensor([[1, 1, 2], [1, 3, 4]]))
        #expect(tape.gradient(of: a1, wrt: [h], seed: Tensor([[9, 1, 2], [9, 3, 4]])) == [x])
    }

    @Test("fused losses: VJPs are the closed forms (σ(z) − y)/m, (softmax − y)/m, y − t, 2(y − t)/N")
    func losses() {
        let z = Tensor<Double>([[0, 0], [0, 0]])
        let labels = Tensor<Double>([[1, 0], [0, 1]])
        #expect(grads([z]) { sigmoidCrossEntropy(logits: $0[0], labels: labels) } == [Tensor([[-0.25, 0.25], [0.25, -0.25]])])
        #expect(grads([z]) { softmaxCrossEntropy(logits: $0[0], labels: labels) } == [Tensor([[-0.25, 0.25], [0.25, -0.25]])])
        #expect(grads([z]) { softmaxCrossEntropy(logits: $0[0], classIndices: [0, 1]) } == [Tensor([[-0.25, 0.25], [0.25, -0.25]])])
        let p = Tensor<Double>([[0.5, 2]])
        let t = Tensor<Double>([[1, 1]])
        #expect(grads([p]) { halfSumOfSquares(predictions: $0[0], targets: t) } == [Tensor([[-0.5, 1]])])
        #expect(grads([p]) { meanSquaredError(predictions: $0[0], targets: t) } == [Tensor([[-0.5, 1]])])
    }

    @Test("fused losses: values by hand, stable for huge logits")
    func lossValues() {
        let tape = Tape<Double>()
        let z = tape.variable(Tensor([[0, 1000], [-1000, 0]]))
        let j = sigmoidCrossEntropy(logits: z, labels: Tensor([[1, 1], [0, 0]]))
        let ln2 = 0.6931471805599453
        #expect(Swift.abs(j.value.scalar - ln2) < 1e-15)  // (ln 2 + 0 + 0 + ln 2) / 2
        let s = softmaxCrossEntropy(logits: z, classIndices: [1, 0])
        #expect(s.value.scalar == 500)  // row 0: −ln(1 + e^−1000) = −0; row 1: 1000 + ln(1 + e^−1000) = 1000
        let e = halfSumOfSquares(predictions: tape.variable(Tensor([1, 2])), targets: Tensor([0, 0]))
        #expect(e.value.scalar == 2.5)
        let mse = meanSquaredError(predictions: tape.variable(Tensor([1, 3])), targets: Tensor([0, 0]))
        #expect(mse.value.scalar == 5)
    }

    @Test("SiLU, erf, GELU (exact and tanh), ELU, leaky ReLU, maximum, minimum, variance: values and slopes by hand")
    func newActivations() {
        func close(_ a: Double, _ b: Double) -> Bool { Swift.abs(a - b) <= 1e-15 * Swift.max(1, Swift.abs(b)) }
        let x = Tensor<Double>([1.0, -1.0])
        // Reference values: erf(1/√2) = 0.6826894921370859, erf(0.5) = 0.5204998778130465.
        #expect(close(gelu(x)[0], 0.8413447460685429) && close(gelu(x)[1], -0.15865525393145707))
        #expect(close(gelu(x, approximation: .tanh)[0], 0.8411919906082768))
        #expect(close(silu(x)[0], 0.7310585786300049) && close(erf(Tensor([0.5]))[0], 0.5204998778130465))
        #expect(close(elu(x)[1], -0.6321205588285577) && elu(x)[0] == 1 && leakyRelu(x, alpha: 0.1)[1] == -0.1)
        // Slopes at 1 and −1: gelu′(1) = Φ(1) + φ(1) = 0.8413447460685429 + 0.24197072451914337.
        let g = gradient(at: x) { gelu($0).sum() }
        #expect(close(g[0], 0.8413447460685429 + 0.24197072451914337) && close(g[1], 0.15865525393145707 - 0.24197072451914337))
        let e = gradient(at: x) { elu($0, alpha: 2).sum() }
        #expect(e[0] == 1 && close(e[1], 2 * Double.exp(-1)))
        let m = gradient(at: [Tensor<Double>([1, 5, 3]), Tensor<Double>([2, 5, 0])]) { maximum($0[0], $0[1]).sum() }
        #expect(m[0] == Tensor([0, 1, 1]) && m[1] == Tensor([1, 0, 0]))  // the tie at 5 goes to a
        let n = gradient(at: [Tensor<Double>([1, 5, 3]), Tensor<Double>([2, 5, 0])]) { minimum($0[0], $0[1]).sum() }
        #expect(n[0] == Tensor([1, 1, 0]) && n[1] == Tensor([0, 0, 1]))
        let v = Tensor<Double>([[1, 2, 3, 6]])
        #expect(v.variance(alongAxes: [1])[0] == 3.5 && v.standardDeviation(alongAxes: [1])[0] == 3.5.squareRoot())
        let dv = gradient(at: v) { $0.variance(alongAxes: [1]).sum() }
        #expect(dv == Tensor([[-1, -0.5, 0, 1.5]]))  // 2(x − 3)/4, the mean is 3
    }
}
