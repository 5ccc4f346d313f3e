import Testing
import Autodiff
import Tensors

@Suite("The tape and the reverse pass")
struct TapeTests {
    @Test("reused intermediates accumulate: a = 1, b = a + a, c = b + b gives dc/da = 4")
    func accumulation() {
        let tape = Tape<Double>()
        let a = tape.variable(Tensor(1))
        let b = a + a
        let c = b + b
        let g = tape.gradient(of: c, wrt: [a, b, c])
        #expect(g == [Tensor(4), Tensor(2), Tensor(1)])
    }

    @Test("gradients of intermediates: ∂L/∂z for L = Σσ(z), z = xW")
    func intermediates() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([[0.5, -0.4], [0.3, 0.8]]))
        let x = tape.constant(Tensor([[0, 1], [1, 0]]))
        let z = matmul(x, w)
        let a = sigmoid(z)
        let loss = a.sum()
        let g = tape.gradient(of: loss, wrt: [z, a, w])
        #expect(g[1] == Tensor(ones: [2, 2]))
        #expect(g[0] == a.value.map { $0 * (1 - $0) })
        #expect(g[2] == matmul(x.value, g[0], transposingA: true))
    }

    @Test("calling gradient twice gives identical bits (nothing accumulates behind the user's back)")
    func repeatable() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor(randomNormal: [4, 3], seed: 1))
        let x = tape.constant(Tensor(randomNormal: [5, 4], seed: 2))
        let loss = (tanh(matmul(x, w)) * 3).mean() + log(sigmoid(w)).sum()
        let first = tape.gradient(of: loss, wrt: [w])
        let second = tape.gradient(of: loss, wrt: [w])
        #expect(first[0].isBitwiseIdentical(to: second[0]))
    }

    @Test("same seed, same gradient bits, whatever the thread count")
    func deterministic() {
        func run(threads: Int) -> [Tensor<Double>] {
            let saved = Parallelism.threads
            Parallelism.threads = threads
            defer { Parallelism.threads = saved }
            let tape = Tape<Double>()
            let w = tape.variable(Tensor(randomNormal: [96, 80], seed: 7))
            let x = tape.constant(Tensor(randomNormal: [120, 96], seed: 8))
            let loss = sigmoid(matmul(x, w)).sum()
            return tape.gradient(of: loss, wrt: [w, x])
        }
        let one = run(threads: 1), two = run(threads: 2)
        #expect(one[0].isBitwiseIdentical(to: two[0]))
        #expect(run(threads: 1)[0].isBitwiseIdentical(to: one[0]))
    }

    @Test("constants get no adjoint; a constant or an unrelated variable gets zeros")
    func constants() {
        let tape = Tape<Double>()
        let x = tape.constant(Tensor([1, 2]))
        let w = tape.variable(Tensor([3, 4]))
        let unrelated = tape.variable(Tensor([[5]]))
        let y = (x * w).sum()
        #expect(!x.needsGradient && w.needsGradient && y.needsGradient)
        let later = tape.variable(Tensor(9))
        let g = tape.gradient(of: y, wrt: [x, w, unrelated, later])
        let expected: [Tensor<Double>] = [Tensor([0, 0]), Tensor([1, 2]), Tensor([[0]]), Tensor(0)]
        #expect(g == expected)
        #expect(!(x * x).needsGradient)
    }

    @Test("a non-scalar output takes an explicit seed: the vector–Jacobian product")
    func seeded() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([1, 2, 3]))
        let y = x * x
        #expect(tape.gradient(of: y, wrt: [x], seed: Tensor([1, 0, -1])) == [Tensor([2, 0, -6])])
    }

    @Test("a non-scalar output without a seed stops with a clear message")
    func seedRequired() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            let x = tape.variable(Tensor([1, 2]))
            _ = tape.gradient(of: x * x, wrt: [x])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("gradient: shape [2]: the output is not a scalar: pass `seed:`"))
            #expect(text.contains("TapeTests.swift:"))
        }
    }

    @Test("variables from two tapes stop with the op's name")
    func twoTapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tape<Double>().variable(Tensor([1]))
            let b = Tape<Double>().variable(Tensor([1]))
            _ = a.adding(b)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("add: shapes [1] and [1]: the variables belong to different tapes (at AutodiffTests/TapeTests.swift:"))
        }
    }

    @Test("a shape mismatch on variables names the op, both shapes and the caller's line")
    func shapeMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = matmul(tape.variable(Tensor(zeros: [2, 3])), tape.variable(Tensor(zeros: [2, 3])))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("matmul: shapes [2, 3] and [2, 3]: inner dimensions differ in A·B (3 ≠ 2) (at AutodiffTests/TapeTests.swift:"))
        }
    }

    @Test("withoutGradients records constants; stopGradient blocks the adjoint")
    func noGradient() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([2]))
        let frozen = tape.withoutGradients { w * w }
        #expect(!frozen.needsGradient)
        #expect(frozen.value == Tensor([4]))
        let y = (stopGradient(w) * w + frozen * w).sum()
        #expect(tape.gradient(of: y, wrt: [w]) == [Tensor([6])])  // ∂/∂w of (c·w + 4w), c = 2
        let v = tape.withoutGradients { tape.variable(Tensor([1])) }
        #expect(!v.needsGradient)
    }

    @Test("a custom operation records its forward and its VJP")
    func custom() {
        let softplus = CustomOperation<Double>(
            name: "softplus", forward: { x in log(exp(x[0]) + 1) },
            vjp: { x, _, upstream in [upstream * sigmoid(x[0])] })
        let tape = Tape<Double>()
        let z = tape.variable(Tensor([0, 1]))
        let y = softplus(z).sum()
        let expected: Double = 0.6931471805599453 + 1.3132616875182228  // ln 2 + ln(1 + e)
        #expect(Swift.abs(y.value.scalar - expected) < 1e-15)
        #expect(tape.gradient(of: y, wrt: [z]) == [sigmoid(Tensor([0, 1]))])
        let report = checkGradients(at: [Tensor([[-1, 0.5], [2, 3]])]) { v in (softplus(v[0]) * v[0]).sum() }
        #expect(report.passes(tolerance: 1e-8), "\(report)")
        let pair = CustomOperation<Double>(
            name: "weighted", forward: { $0[0] * 2 + $0[1] }, vjp: { _, _, g in [g * 2, g] })
        let a = tape.variable(Tensor([1])), b = tape.variable(Tensor([1]))
        #expect(tape.gradient(of: pair(a, b).sum(), wrt: [a, b]) == [Tensor([2]), Tensor([1])])
    }

    @Test("in-place VJPs never touch a requested adjoint or the caller's seed (Note [Owned upstream])")
    func ownedUpstream() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([0.5, -1]))
        let h = x * 3
        let y = exp(h)
        let s = sigmoid(y)
        let seed = Tensor<Double>([1, 2])
        let seedBefore = seed.scalars
        let grads = tape.gradient(of: s, wrt: [x, h, y, s], seed: seed)
        #expect(seed.scalars == seedBefore)
        #expect(grads[3] == seed)
        let sv = s.value, yv = y.value
        let ȳ = Tensor<Double>(shape: [2], scalars: (0..<2).map { seed[$0] * (sv[$0] * (1 - sv[$0])) })
        #expect(grads[2] == ȳ)
        let h̄ = Tensor<Double>(shape: [2], scalars: (0..<2).map { ȳ[$0] * yv[$0] })
        #expect(grads[1] == h̄)
        #expect(grads[0] == h̄ * 3)
        // Asking again gives the same bits: nothing was overwritten in the records either.
        #expect(tape.gradient(of: s, wrt: [x, h, y, s], seed: seed) == grads)
    }

    @Test("variadic axes on variables record the same op: x.sum(alongAxes: 0) ≡ x.sum(alongAxes: [0])")
    func variadicAxes() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([[1, 2], [3, 4]]))
        let a = (x.sum(alongAxes: 0) * Tensor([1, 10])).sum()
        let b = (x.sum(alongAxes: [0]) * Tensor([1, 10])).sum()
        #expect(a.value == b.value)
        #expect(tape.gradient(of: a, wrt: x) == Tensor([[1, 10], [1, 10]]))
        #expect(tape.gradient(of: x.mean(alongAxes: 0, 1), wrt: x) == Tensor(repeating: 0.25, shape: [2, 2]))
    }

    @Test("a custom VJP with the wrong adjoint count or shape is reported where the op was defined")
    func customVJPMistakes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let bad = CustomOperation<Double>(name: "twice", forward: { $0[0] * 2 }, vjp: { _, _, g in [g, g] })
            let tape = Tape<Double>()
            let x = tape.variable(Tensor([1, 2]))
            _ = tape.gradient(of: bad(x).sum(), wrt: x)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("custom(twice): shape [2]: VJP returned 2 adjoints for 1 inputs (at AutodiffTests/TapeTests.swift:"),
                    "\(text)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let bad = CustomOperation<Double>(name: "sum1", forward: { $0[0] * 2 }, vjp: { _, _, g in [g.sum()] })
            let tape = Tape<Double>()
            let x = tape.variable(Tensor([1, 2]))
            _ = tape.gradient(of: bad(x).sum(), wrt: x)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("custom(sum1): shapes [2] and []: VJP returned an adjoint whose shape is not its input's (at AutodiffTests/TapeTests.swift:"),
                    "\(text)")
        }
    }

    @Test("recording on a tape during its own reverse pass stops naming the custom op and where it was defined")
    func recordingDuringReversePass() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            let sneaky = CustomOperation<Double>(
                name: "sneaky", forward: { $0[0] * 2 },
                vjp: { _, _, g in
                    _ = tape.constant(g)  // not allowed: the reverse pass holds the records
                    return [g * 2]
                })
            let x = tape.variable(Tensor([1]))
            _ = tape.gradient(of: sneaky(x).sum(), wrt: [x])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("custom(sneaky): its VJP recorded an operation on the tape being differentiated"), "\(text)")
            #expect(text.contains("(at AutodiffTests/TapeTests.swift:"), "\(text)")  // the definition (exit tests report the #expect line)
        }
    }

    @Test("select: the untaken branch never turns a gradient into NaN (log at 0, sqrt at 0, 1/0)")
    func selectNoNaN() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([0, 2, -1]))
        let safe = select(x.value.mask { $0 > 0 }, log(x) + sqrt(x) + 1 / x, x * 0)
        let g = tape.gradient(of: safe.sum(), wrt: [x])[0]
        #expect(!g.scalars.contains { $0.isNaN || $0.isInfinite })
        let root2: Double = 2.0.squareRoot()
        let expected: Double = 0.5 + 1 / (2 * root2) - 0.25  // 1/x + 1/(2√x) − 1/x² at x = 2
        #expect(g[1] == expected)
        #expect(g[0] == 0 && g[2] == 0)
    }

    @Test("σ(±1000) is finite and its gradient exactly 0, in Float and Double")
    func sigmoidSaturates() {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor([-1000, 1000]))
        let g = tape.gradient(of: sigmoid(x).sum(), wrt: [x])[0]
        #expect(g.scalars == [0, 0])
        let ce = tape.gradient(of: sigmoidCrossEntropy(logits: x, labels: Tensor([0, 1])), wrt: [x])[0]
        #expect(ce.scalars == [0, 0])
        let ftape = Tape<Float>()
        let f = ftape.variable(Tensor([-1000, 1000]))
        #expect(ftape.gradient(of: sigmoid(f).sum(), wrt: [f])[0].scalars == [0, 0])
    }

    @Test("a 1,000,000-op chain records, differentiates without recursion, and is released")
    func millionOps() {
        weak var weakTape: Tape<Double>?
        do {
            let tape = Tape<Double>()
            weakTape = tape
            let x = tape.variable(Tensor(0.5))
            var y = x
            for i in 0..<1_000_000 { y = i % 2 == 0 ? y * 1.0000001 : y + 1e-7 }
            #expect(tape.count == 1_000_001)
            let g = tape.gradient(of: y, wrt: [x])[0].scalar
            let expected = Double.pow(1.0000001, 500_000)
            #expect(Swift.abs(g - expected) / expected < 1e-9)
        }
        #expect(weakTape == nil)
    }
}

@Suite("Tape conveniences")
struct TapeConvenienceTests {
    @Test("gradient with respect to one variable equals the array form")
    func single() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([1, 2]))
        let y = (w * w).sum()
        #expect(tape.gradient(of: y, wrt: w) == Tensor([2, 4]))
        #expect(tape.gradient(of: y, wrt: w) == tape.gradient(of: y, wrt: [w])[0])
        #expect(w.description == "Variable #0: [1.0, 2.0]")
    }
}
