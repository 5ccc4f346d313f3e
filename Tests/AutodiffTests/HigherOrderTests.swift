import Foundation
import Testing
import Tensors
@testable import Autodiff

/// The largest |aᵢ − bᵢ| relative to the largest |bᵢ|.
func relativeError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    let d = Swift.zip(a.scalars, b.scalars).reduce(0.0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
    return d / Swift.max(b.scalars.reduce(0.0) { Swift.max($0, Swift.abs($1)) }, 1e-300)
}

@Suite("Higher order: closed forms, transforms, zero upstream, long chains")
struct HigherOrderTests {
    @Test("Hessian of ½xᵀAx is ½(A + Aᵀ)")
    func quadraticForm() {
        let a = Tensor<Double>(randomUniform: [5, 5], lower: -2, upper: 2, seed: 1)
        let x = Tensor<Double>(randomUniform: [5, 1], lower: -1, upper: 1, seed: 2)
        let h = hessian(at: x) { x in matmul(matmul(x.transposed(), x.tape.constant(a)), x).sum() * 0.5 }
        #expect(h.shape == [5, 1, 5, 1])
        #expect(relativeError(h.reshaped(to: [5, 5]), (a + a.transposed()) * 0.5) <= 1e-14)
    }

    @Test("logistic regression: H = Xᵀ·diag(p ⊙ (1 − p))·X / m")
    func logisticRegressionHessian() {
        let m = 7, d = 4
        let x = Tensor<Double>(randomUniform: [m, d], lower: -2, upper: 2, seed: 3)
        let y = Tensor<Double>(shape: [m, 1], scalars: [1, 0, 0, 1, 1, 0, 1])
        let w = Tensor<Double>(randomUniform: [d, 1], lower: -1, upper: 1, seed: 4)
        let h = hessian(at: w) { w in sigmoidCrossEntropy(logits: matmul(w.tape.constant(x), w), labels: y) }
        let p = sigmoid(matmul(x, w)).scalars
        var expected = [Double](repeating: 0, count: d * d)
        for i in 0..<m {
            for r in 0..<d {
                for c in 0..<d { expected[r * d + c] += x[i, r] * p[i] * (1 - p[i]) * x[i, c] / Double(m) }
            }
        }
        #expect(relativeError(h.reshaped(to: [d, d]), Tensor(shape: [d, d], scalars: expected)) <= 1e-13)
    }

    @Test("softmax cross-entropy: the Hessian in the logits is diag(p) − ppᵀ")
    func softmaxCrossEntropyHessian() {
        let z = Tensor<Double>([0.3, -1.2, 2.0, 0.1])
        let labels = Tensor<Double>([0, 0, 1, 0])
        let h = hessian(at: z) { softmaxCrossEntropy(logits: $0, labels: labels) }
        let p = softmax(z).scalars
        var scalars = [Double]()
        for r in 0..<4 {
            for c in 0..<4 { scalars.append((r == c ? p[r] : 0) - p[r] * p[c]) }
        }
        let expected = Tensor(shape: [4, 4], scalars: scalars)
        #expect(relativeError(h, expected) <= 1e-14)
        // …and the same through the composed form, log-softmax and a product.
        let composed = hessian(at: z) { z in -(logSoftmax(z) * labels).sum() }
        #expect(relativeError(composed, expected) <= 1e-14)
    }

    @Test("tanh to third order: t‴ = (1 − t²)(6t² − 2)", arguments: [-2.0, -0.7, 0, 0.4, 1.5])
    func tanhThirdDerivative(_ x0: Double) {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(x0))
        let d1 = tape.gradient(of: tanh(x), wrt: [x], creatingGraph: true)[0]
        let d2 = tape.gradient(of: d1, wrt: [x], creatingGraph: true)[0]
        let d3 = tape.gradient(of: d2, wrt: x)
        let t = Foundation.tanh(x0)
        #expect(Swift.abs(d1.value.scalar - (1 - t * t)) <= 1e-15)
        #expect(Swift.abs(d2.value.scalar - (-2 * t * (1 - t * t))) <= 1e-15)
        #expect(Swift.abs(d3.scalar - (1 - t * t) * (6 * t * t - 2)) <= 1e-14)
    }

    @Test("Rosenbrock: H·v equals the closed-form Hessian times v")
    func rosenbrock() {
        let n = 6
        let x = Tensor<Double>(randomUniform: [n], lower: -1.5, upper: 1.5, seed: 5)
        let v = Tensor<Double>(randomNormal: [n], seed: 6)
        let hv = hessianVectorProduct(at: x, along: v) { x in
            let head = x.slice(0..<(n - 1), alongAxis: 0), tail = x.slice(1..<n, alongAxis: 0)
            return (square(tail - square(head)) * 100 + square(1 - head)).sum()
        }
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<(n - 1) {
            h[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2
            h[(i + 1) * n + i + 1] += 200
            h[i * n + i + 1] = -400 * x[i]
            h[(i + 1) * n + i] = -400 * x[i]
        }
        #expect(relativeError(hv, matmul(Tensor(shape: [n, n], scalars: h), v.reshaped(to: [n, 1])).reshaped(to: [n])) <= 1e-13)
    }

    @Test("gradient penalty ‖∂f/∂x‖² of a 2-layer tanh MLP: ∂/∂W = finite differences")
    func gradientPenalty() {
        let x = Tensor<Double>(randomUniform: [3, 4], lower: -1, upper: 1, seed: 7)
        let w1 = Tensor<Double>(randomUniform: [4, 5], lower: -1, upper: 1, seed: 8)
        let w2 = Tensor<Double>(randomUniform: [5, 2], lower: -1, upper: 1, seed: 9)
        let report = checkGradients(at: [w1, w2]) { w in
            let input = w[0].tape.variable(x)
            let f = matmul(tanh(matmul(tanh(matmul(input, w[0])), w[1])), w[0].tape.constant(Tensor(ones: [2, 1]))).sum()
            let gx = w[0].tape.gradient(of: f, wrt: [input], creatingGraph: true)[0]
            return (gx * gx).sum()
        }
        #expect(report.passes(tolerance: 1e-7), "\(report)")
    }

    @Test("JVP: ⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩, and J·v = central differences")
    func jacobianVectorProduct() {
        let f: ([Variable<Double>]) -> Variable<Double> = { x in softmax(matmul(x[0], x[1]) * tanh(x[1].sum())) }
        let x = [Tensor<Double>(randomUniform: [3, 4], lower: -1, upper: 1, seed: 10),
                 Tensor<Double>(randomUniform: [4, 2], lower: -1, upper: 1, seed: 11)]
        let v = x.map { Tensor<Double>(randomNormal: $0.shape, seed: 12) }
        let (value, jv) = valueWithDifferential(at: x, along: v, of: f)
        #expect(jv.shape == value.shape)
        let u = Tensor<Double>(randomNormal: value.shape, seed: 13)
        let (_, pullback) = valueWithPullback(at: x, of: f)
        let jtu = pullback(u)
        let lhs = (jv * u).sum().scalar
        let rhs = Swift.zip(v, jtu).reduce(0.0) { $0 + ($1.0 * $1.1).sum().scalar }
        #expect(Swift.abs(lhs - rhs) <= 1e-13 * Swift.max(1, Swift.abs(lhs)))
        let h = 1e-6
        let fd = (f(xsOnTape(Swift.zip(x, v).map { $0 + h * $1 })).value - f(xsOnTape(Swift.zip(x, v).map { $0 - h * $1 })).value) / (2 * h)
        #expect(relativeError(jv, fd) <= 1e-8)
        // One tensor: d/dx sin(x) along v is cos(x) ⊙ v.
        let (_, d) = valueWithDifferential(at: Tensor([0.5, -1.0]), along: Tensor([2.0, 3.0])) { sin($0) }
        #expect(relativeError(d, Tensor([2 * Foundation.cos(0.5), 3 * Foundation.cos(-1.0)])) <= 1e-15)
    }

    @Test("jacobian and hessian of one tensor have shapes f + x and x + x")
    func jacobianShapes() {
        let x = Tensor<Double>([0.5, -0.25, 2])
        let j = jacobian(at: x) { x in concatenate([x * x, exp(x).sum().reshaped(to: [1])], alongAxis: 0) }
        #expect(j.shape == [4, 3])
        #expect(j[0, 0] == 1.0 && j[1, 1] == -0.5 && j[0, 1] == 0 && j[3, 2] == Foundation.exp(2))
        let (value, g) = valueWithGradient(at: x) { ($0 * $0).sum() }
        #expect(value.scalar == 4.3125 && g == x * 2)
    }

    @Test("zero upstream at orders 1 and 2: an untaken branch never becomes NaN, matmul against ∞ included")
    func zeroUpstreamEveryOrder() {
        let singular: [(String, (Variable<Double>) -> Variable<Double>)] = [
            ("log", { log($0) }), ("sqrt", { sqrt($0) }), ("1/x", { 1 / $0 }), ("pow −1.5", { pow($0, -1.5) }),
            ("x/x", { $0 / $0 }), ("log1p(x − 1)", { log1p($0 - 1) }), ("softplus∘log", { softplus(log($0)) }),
        ]
        for (name, f) in singular {
            let x = Tensor<Double>([0, 2])
            let safe: (Variable<Double>) -> Variable<Double> = { x in select(Tensor([0, 1]), f(x), x * 0).sum() }
            let g = gradient(at: x, of: safe)
            #expect(g.scalars[0] == 0 && g.scalars[1].isFinite, "\(name): first order \(g)")
            let hv = hessianVectorProduct(at: x, along: Tensor([1, 1]), of: safe)
            #expect(hv.scalars[0] == 0 && hv.scalars[1].isFinite, "\(name): second order \(hv)")
        }
        // matmul: the column of C that holds ∞·(…) is not taken, so Ā must stay finite.
        let b = Tensor<Double>([[1, Double.infinity], [2, 3]])
        let pick = Tensor<Double>([[1, 0], [1, 0]])
        let a = Tensor<Double>([[0.5, -1], [2, 1]])
        let ga = gradient(at: a) { a in select(pick, matmul(a, a.tape.constant(b)), a * 0).sum() }
        #expect(ga == Tensor([[1, 2], [1, 2]]), "\(ga)")
        let hva = hessianVectorProduct(at: a, along: Tensor(ones: [2, 2])) { a in
            let c = matmul(a, a.tape.constant(b))
            return select(pick, c * c, a * 0).sum()
        }
        #expect(!hva.scalars.contains { $0.isNaN }, "\(hva)")
    }

    @Test("zero upstream against NaN at orders 2 and 3: an untaken branch whose value or derivative is NaN (x/x at 0)")
    func zeroUpstreamAgainstNaN() {
        let outer: [(String, (Variable<Double>) -> Variable<Double>)] = [
            ("exp", { exp($0) }), ("tanh", { tanh($0) }), ("log", { log($0) }), ("square", { square($0) }),
            ("pow 3", { pow($0, 3) }), ("1/·", { 1 / $0 }), ("sigmoid", { sigmoid($0) }), ("relu", { relu($0) }),
        ]
        let c = Tensor<Double>([0, 1])
        for (name, f) in outer {
            let hv = hessianVectorProduct(at: Tensor<Double>([0, 2]), along: Tensor([1, 1])) { x in
                select(c, f(x / x), x * 0).sum()
            }
            #expect(hv.scalars[0] == 0 && hv.scalars[1].isFinite, "\(name)∘(x/x): H·v \(hv)")
        }
        let inner: [(String, (Variable<Double>) -> Variable<Double>)] = [
            ("x/x", { $0 / $0 }), ("sin∘log", { sin(log($0)) }), ("x/√x", { $0 / sqrt($0) }),
            ("sin(1/x)", { sin(1 / $0) }), ("abs(x/x)", { abs($0 / $0) }),
        ]
        for (name, f) in inner {
            let tape = Tape<Double>()
            let x = tape.variable(Tensor([0.0, 2]))
            let d1 = tape.gradient(of: select(c, f(x), x * 0).sum(), wrt: [x], creatingGraph: true)[0]
            let d2 = tape.gradient(of: d1.sum(), wrt: [x], creatingGraph: true)[0]
            let d3 = tape.gradient(of: d2.sum(), wrt: x)
            #expect(d3.scalars[0] == 0 && d3.scalars[1].isFinite, "\(name): third derivative \(d3)")
        }
    }

    @Test("masked matmul at order 2: a rule's product whose two factors are both adjoints skips both factors' zeros")
    func maskedMatmulSecondOrder() {
        // f = Σ over row 0 of log(X)·W; row 1 holds log 0 = −∞ and is not taken.
        let x = Tensor<Double>([[0.5, 1.5], [0, 2]]), w = Tensor<Double>([[0.3, -0.7], [1.1, 0.4]])
        let hv = hessianVectorProduct(at: [x, w], along: [Tensor(ones: [2, 2]), Tensor(ones: [2, 2])]) { v in
            select(Tensor([[1, 1], [0, 0]]), matmul(log(v[0]), v[1]), v[0] * 0).sum()
        }
        // ⟨∇f, v⟩ = Σₖⱼ log X₀ₖ + Σₖⱼ Wₖⱼ / X₀ₖ, so (H·v)_W = 1 / X₀ₖ in row k.
        #expect(relativeError(hv[1], Tensor([[2, 2], [1 / 1.5, 1 / 1.5]])) <= 1e-15, "\(hv[1])")
        #expect(!hv[0].scalars.contains { $0.isNaN }, "\(hv[0])")
    }

    @Test("masked matmul on larger products: 0·∞ skipped in the vector scan's range, ∞ alone kept")
    func maskedMatmulLarge() {
        // Ā = C̄·Bᵀ with C̄ [6, 9] zero in column 4 and B [5, 9] infinite in column 4: Ā is [6, 5] (30
        // elements: the 16-lane scan and its tail). Without the mask every element would be NaN.
        var b = Tensor<Double>(randomUniform: [5, 9], lower: -1, upper: 1, seed: 20)
        for r in 0..<5 { b[flat: r * 9 + 4] = .infinity }
        var mask = [Double](repeating: 1, count: 6 * 9)
        for r in 0..<6 { mask[r * 9 + 4] = 0 }
        let a = Tensor<Double>(randomUniform: [6, 5], lower: -1, upper: 1, seed: 21)
        let ga = gradient(at: a) { a in select(Tensor(shape: [6, 9], scalars: mask), matmul(a, a.tape.constant(b)), a.tape.constant(Tensor(zeros: [6, 9]))).sum() }
        var finite = b
        for r in 0..<5 { finite[flat: r * 9 + 4] = 0 }
        #expect(ga == matmul(Tensor(ones: [6, 9]), finite, transposingB: true), "\(ga)")
        // An upstream without zeros against ∞: the true gradient is ±∞, not NaN, and stays so.
        let gInf = gradient(at: a) { a in matmul(a, a.tape.constant(b)).sum() }
        #expect(gInf.scalars.allSatisfy { $0.isInfinite }, "\(gInf)")
    }

    @Test("stopGradient and withoutGradients hold at every order")
    func stoppedValuesStayConstant() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.5))
        let stopped = stopGradient(x * x)
        let y = x * x * x + stopped * x        // dy/dx = 3x² + x²(held), d²y/dx² = 6x
        let d1 = tape.gradient(of: y, wrt: [x], creatingGraph: true)[0]
        #expect(d1.value.scalar == 3 * 2.25 + 2.25)
        #expect(tape.gradient(of: d1, wrt: x).scalar == 9)
        let frozen = tape.withoutGradients { tape.gradient(of: y, wrt: [x], creatingGraph: true)[0] }
        #expect(!frozen.needsGradient && frozen.value.scalar == 9)
    }

    @Test("a tensor-only custom VJP works to first order and stops, naming the op and its line, at the second")
    func firstOrderCustomStops() async {
        let square = CustomOperation<Double>(name: "mySquare", forward: { $0[0] * $0[0] }, vjp: { x, _, g in [g * x[0] * 2] })
        #expect(gradient(at: Tensor([3.0])) { square($0).sum() } == Tensor([6.0]))
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let bad = CustomOperation<Double>(name: "mySquare", forward: { $0[0] * $0[0] }, vjp: { x, _, g in [g * x[0] * 2] })
            _ = hessian(at: Tensor([3.0])) { bad($0).sum() }
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("custom(mySquare)") && text.contains("differentiableVJP")
                    && text.contains("HigherOrderTests.swift:"), "\(text)")
        }
    }

    @Test("a 10⁶-op chain: first and second derivatives, no recursion, against the recurrence")
    func millionOpChainSecondOrder() {
        // y ← sin(y)·0.5 + x, three ops a step: y′ ← ½cos(y)·y′ + 1, y″ ← ½(cos(y)·y″ − sin(y)·y′²).
        let steps = 333_334
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(0.3))
        var y = x
        var (value, d1, d2) = (0.3, 1.0, 0.0)
        for _ in 0..<steps {
            y = sin(y) * 0.5 + x
            (d1, d2) = (0.5 * Foundation.cos(value) * d1 + 1, 0.5 * (Foundation.cos(value) * d2 - Foundation.sin(value) * d1 * d1))
            value = Foundation.sin(value) * 0.5 + 0.3
        }
        #expect(tape.count > 1_000_000)
        let g = tape.gradient(of: y, wrt: [x], creatingGraph: true)[0]
        let gg = tape.gradient(of: g, wrt: x)
        #expect(Swift.abs(g.value.scalar - d1) <= 1e-12 * Swift.abs(d1))
        #expect(Swift.abs(gg.scalar - d2) <= 1e-10 * Swift.abs(d2))
    }
}

/// Evaluates at constants on a fresh tape (for finite differences of a variable function).
func xsOnTape(_ x: [Tensor<Double>]) -> [Variable<Double>] {
    let tape = Tape<Double>()
    return x.map { tape.constant($0) }
}
