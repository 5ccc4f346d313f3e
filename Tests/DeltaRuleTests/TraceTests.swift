import Testing
import Autodiff
import DeltaRule
import Tensors

/// The cross-entropy network on a tape, its z(l) and Θ(l) named as the text names them.
func namedCrossEntropyTape(_ net: CrossEntropyNetwork<Double>, _ x: Tensor<Double>, _ y: Tensor<Double>, lambda: Double,
                           reduction: LossReduction) -> (Tape<Double>, Variable<Double>, [String: Variable<Double>]) {
    let tape = Tape<Double>()
    let thetas = net.thetas.map { tape.variable($0) }
    var a = tape.constant(x), z = a
    var names = [String: Variable<Double>]()
    for (l, theta) in thetas.enumerated() {
        names["Θ(\(l + 1))"] = theta
        z = matmul(a.prependingOnes(alongAxis: 1), theta.transposed())
        names["z(\(l + 2))"] = z
        if l < thetas.count - 1 { a = sigmoid(z) }
    }
    var penalty = tape.constant(0.0)
    for theta in thetas {
        var mask = Tensor<Double>(ones: theta.shape)
        for r in 0..<theta.shape[0] { mask[r, 0] = 0 }
        penalty = penalty + square(theta * mask).sum()
    }
    let m = Double(x.shape[0])
    let scale = reduction == .mean ? lambda / (2 * m) : lambda / 2
    return (tape, sigmoidCrossEntropy(logits: z, labels: y, reduction: reduction) + penalty * scale, names)
}

@Suite("tape.trace: the chain rule in the texts' notation")
struct TraceTests {
    @Test("cross-entropy, 3-5-5-4: δ(l) and D(l) in reverse order with the text's equations, values as the δ rules (fused: bit for bit)")
    func crossEntropy() {
        let net = CrossEntropyNetwork<Double>(layerSizes: [3, 5, 5, 4], epsilon: 0.12, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Tensor<Double>(randomUniform: [6, 3], using: &rng)
        let y = Tensor<Double>(shape: [6, 4], scalars: (0..<24).map { $0 % 5 == 0 ? 1 : 0 })
        let reference = net.backpropagateVectorised(inputs: x, labels: y, lambda: 0)
        // The un-normalised cost m·J (reduction .sum) is the text's δ exactly: notation m = 1.
        let (tape, j, names) = namedCrossEntropyTape(net, x, y, lambda: 0, reduction: .sum)
        let entries = tape.traceEntries(of: j, naming: names, notation: .crossEntropy(examples: 1))
        let deltas = entries.filter { $0.label.hasPrefix("δ(") }
        #expect(deltas.map(\.label) == ["δ(4)", "δ(3)", "δ(2)"])
        #expect(deltas[0].textbook == "δ(4) = a(4) − y")
        #expect(deltas[1].textbook == "δ(3) = (Θ(3))ᵀδ(4) ⊙ a(3) ⊙ (1 − a(3))")
        #expect(deltas[0].contributions.count == 1 && deltas[0].contributions[0].hasPrefix("sigmoidCrossEntropy #")
                && deltas[0].contributions[0].hasSuffix(": z̄ = J̄·(σ(z) − y)/m"), "\(deltas[0].contributions)")
        for (k, entry) in deltas.enumerated() {
            #expect(entry.value.isBitwiseIdentical(to: reference.deltas[2 - k]), "\(entry.label)")
        }
        #expect(entries.filter { $0.label.hasPrefix("D(") }.map(\.label) == ["D(3)", "D(2)", "D(1)"])
        #expect(entries.map(\.record) == entries.map(\.record).sorted(by: >), "reverse order")
        // With the mean J, δ(l) = m·∂J/∂z(l): equal to the text's within rounding.
        let (meanTape, meanJ, meanNames) = namedCrossEntropyTape(net, x, y, lambda: 0, reduction: .mean)
        let scaled = meanTape.traceEntries(of: meanJ, naming: meanNames, notation: .crossEntropy(examples: 6))
            .filter { $0.label.hasPrefix("δ(") }
        for (k, entry) in scaled.enumerated() {
            let d = Swift.zip(entry.value.scalars, reference.deltas[2 - k].scalars).map { Swift.abs($0 - $1) }.max()!
            #expect(d <= 1e-15, "\(entry.label)")
        }
        let text = tape.trace(of: j, naming: names, notation: .crossEntropy(examples: 1))
        #expect(text.hasPrefix("∂/∂#\(j.index) add") && text.contains("\nδ(4) = a(4) − y\n    ← sigmoidCrossEntropy #"))
    }

    @Test("squared error, the 2-2-1 example: ∂E/∂z = −δ and ∂E/∂w = −δⱼ·yᵢ, bit for bit")
    func squaredError() {
        let net = SquaredErrorNetwork<Double>.textExample()
        let input = SquaredErrorNetwork<Double>.textExampleInput, target = SquaredErrorNetwork<Double>.textExampleTarget
        let step = net.step(input: input, target: target, learningRate: 1)
        let tape = Tape<Double>()
        let x = tape.constant(Tensor([input]))
        let w1 = tape.variable(net.weights[0]), b1 = tape.variable(net.biases[0].reshaped(to: [-1]))
        let w2 = tape.variable(net.weights[1]), b2 = tape.variable(net.biases[1].reshaped(to: [-1]))
        let zj = matmul(x, w1).addingBias(b1)
        let zk = matmul(sigmoid(zj), w2).addingBias(b2)
        let e = halfSumOfSquares(predictions: sigmoid(zk), targets: Tensor([target]))
        let entries = tape.traceEntries(of: e, naming: ["zⱼ": zj, "zₖ": zk, "wᵢⱼ": w1, "wⱼₖ": w2], notation: .squaredError)
        let k = entries.first { $0.label == "∂E/∂zₖ" }!, j = entries.first { $0.label == "∂E/∂zⱼ" }!
        #expect(k.textbook == "∂E/∂zₖ = −(t − y)·f′(zₖ) = −δ" && j.textbook == "∂E/∂zⱼ = −f′(zⱼ)·Σₖ δₖ·w = −δ")
        #expect(k.value.reshaped(to: [-1]).isBitwiseIdentical(to: -step.layers[1].delta.reshaped(to: [-1])))
        #expect(j.value.reshaped(to: [-1]).isBitwiseIdentical(to: -step.layers[0].delta.reshaped(to: [-1])))
        #expect(k.contributions == ["sigmoid #\(zk.index + 1): x̄ = ȳ ⊙ y ⊙ (1 − y)"])
    }

    @Test("generic: every record's adjoint with each consumer's rule, fan-out listed twice")
    func generic() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([0.5, -1]))
        let s = sigmoid(w * 2)
        let loss = (s * s).sum()
        let entries = tape.traceEntries(of: loss, naming: ["w": w])
        #expect(entries.map(\.label) == ["∂/∂#\(loss.index) sum", "∂/∂#\(s.index + 1) multiply", "∂/∂#\(s.index) sigmoid",
                                         "∂/∂#\(s.index - 1) multiplyScalar", "∂/∂w"])
        let sEntry = entries[2]
        #expect(sEntry.contributions.count == 2 && sEntry.contributions.allSatisfy { $0.hasPrefix("multiply #") })
        #expect(entries.last!.value == tape.gradient(of: loss, wrt: w))
        #expect(entries.last!.contributions == ["multiplyScalar #\(s.index - 1): x̄ = 2.0·ȳ"])
    }
}
