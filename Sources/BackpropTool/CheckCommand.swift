import Backprop
import Foundation

/// `backprop check`: builds a layered sigmoid network (the cross-entropy text's Θ layout) and
/// a random batch, and prints as a table (1) per layer how far the tape's δ and D are from the
/// textbook algorithm's (DeltaRule), in ulps and relative terms, and (2) the central
/// finite-difference check of the tape's ∂J/∂Θ.
///
/// Exits 0 when every relative difference is at most 1e-12, J agrees to 1e-14, the finite
/// differences agree to 1e-7 (and, for the fused op, every bit agrees);
/// 1 otherwise; 2 on bad arguments.
enum CheckCommand {
    static let usage = """
        usage: backprop check [--layers 3,5,5,4] [--examples 8] [--lambda 3] [--seed 1] [--epsilon 0.12]
                              [--form fused|composed] [--reference vectorised|loop] [--trace]
        """

    static func run(_ arguments: [String]) throws(ArgumentError) -> Int32 {
        let wantsTrace = arguments.contains("--trace")
        let options = try Options(arguments.filter { $0 != "--trace" },
                                  allowed: ["layers", "examples", "lambda", "seed", "epsilon", "form", "reference"])
        let layerText = options.string("layers") ?? "3,5,5,4"
        let layers = layerText.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard layers.count >= 2, layers.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 1000 }) else {
            throw ArgumentError("--layers needs at least two sizes in 1…1000 separated by commas, e.g. 3,5,5,4, not '\(layerText)'")
        }
        let sizes = layers.map { $0! }
        let m = try options.int("examples", default: 8, in: 1...10_000)
        let lambda = try options.double("lambda", default: 3, in: 0...1e6)
        let seed = try options.seed("seed", default: 1)
        let epsilon = try options.double("epsilon", default: 0.12, in: 1e-6...10)
        let form: CrossEntropyTapeForm = try options.string("form", default: "fused", choices: ["fused", "composed"]) == "fused"
            ? .fusedSigmoidCrossEntropy : .composedFromLogAndSigmoid
        let reference: CrossEntropyReferenceForm =
            try options.string("reference", default: "vectorised", choices: ["vectorised", "vectorized", "loop"]) == "loop"
            ? .exampleByExample : .vectorised

        let network = CrossEntropyNetwork<Double>(layerSizes: sizes, epsilon: epsilon, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1000)
        let x = Tensor<Double>(randomUniform: [m, sizes[0]], using: &rng)
        let classes = sizes[sizes.count - 1]
        let y: Tensor<Double> = oneHot((0..<m).map { _ in Int(rng.next() % UInt64(classes)) }, classCount: classes)
        let agreement = compareTapeWithDeltaRule(thetas: network.thetas, inputs: x, labels: y, lambda: lambda,
                                                 form: form, reference: reference)
        print("network \(sizes.map(String.init).joined(separator: "-")), m = \(m), λ = \(lambda), tape: \(form), reference: \(reference)")
        print("layer | δ max ulps | δ relative | D max ulps | D relative | bit-identical")
        for l in agreement.layers {
            print(String(format: "%5d | %10llu | %10.2e | %10llu | %10.2e | %@", l.layer, l.delta.maxULPs, l.delta.relative,
                         l.gradient.maxULPs, l.gradient.relative,
                         l.deltaIsBitwiseIdentical && l.gradientIsBitwiseIdentical ? "yes" : "no"))
        }
        print(String(format: "J: tape %.17g, δ rules %.17g, relative difference %.2e",
                     agreement.tapeCost, agreement.referenceCost, agreement.costRelativeDifference))
        let fd = checkGradients(at: network.thetas) { thetas in
            crossEntropyCost(thetas: thetas, inputs: x, labels: y, lambda: lambda)
        }
        print(String(format: "finite differences over %d entries: ‖n − a‖ / ‖n + a‖ = %.2e", fd.count, fd.relativeDifference))
        let exactExpected = form == .fusedSigmoidCrossEntropy
        let ok = agreement.maxRelativeDifference <= 1e-12 && agreement.costRelativeDifference <= 1e-14
            && (!exactExpected || agreement.isBitwiseIdentical) && fd.passes(tolerance: 1e-7)
        print(agreement.isBitwiseIdentical ? "bit-identical" : (ok ? "agrees within 1e-12" : "DISAGREES"))
        if wantsTrace { printTraces(thetas: network.thetas, inputs: x, labels: y, lambda: lambda) }
        return ok ? 0 : 1
    }

    /// `--trace`: the chain rule in the texts' notation for the squared-error text's 2-2-1
    /// example and for this cross-entropy network (Docs/DeltaRule.md).
    static func printTraces(thetas: [Tensor<Double>], inputs: Tensor<Double>, labels: Tensor<Double>, lambda: Double) {
        let net = SquaredErrorNetwork<Double>.textExample()
        let tape = Tape<Double>()
        let x = tape.constant(Tensor([SquaredErrorNetwork<Double>.textExampleInput]))
        let w1 = tape.variable(net.weights[0]), b1 = tape.variable(net.biases[0].reshaped(to: [-1]))
        let w2 = tape.variable(net.weights[1]), b2 = tape.variable(net.biases[1].reshaped(to: [-1]))
        let zj = matmul(x, w1).addingBias(b1)
        let zk = matmul(sigmoid(zj), w2).addingBias(b2)
        let e = halfSumOfSquares(predictions: sigmoid(zk), targets: Tensor([SquaredErrorNetwork<Double>.textExampleTarget]))
        print("\nThe chain rule on the squared-error text's 2-2-1 example (E = ½Σ(t − y)², δ = −∂E/∂z):")
        print(tape.trace(of: e, naming: ["zⱼ": zj, "zₖ": zk, "wᵢⱼ": w1, "wⱼₖ": w2, "bⱼ": b1, "bₖ": b2],
                          notation: .squaredError))

        var names = [String: Variable<Double>]()
        let ce = Tape<Double>()
        let j = crossEntropyCost(thetas: thetas.map { ce.variable($0) }, inputs: inputs, labels: labels, lambda: lambda,
                                 naming: &names)
        let m = inputs.shape[0]
        print("\nThe chain rule on the cross-entropy network (m = \(m), λ = \(lambda); δ(l) = m·∂J/∂z(l), D(l) = ∂J/∂Θ(l)):")
        print(ce.trace(of: j, naming: names, notation: .crossEntropy(examples: m)))
    }

    /// J(Θ) composed on the tape from public ops: bias units prepended, z = a·Θᵀ, sigmoid
    /// cross-entropy on the last layer, λ/(2m)·ΣΘ² over non-bias columns (masked).
    static func crossEntropyCost(thetas: [Variable<Double>], inputs: Tensor<Double>, labels: Tensor<Double>,
                                 lambda: Double) -> Variable<Double> {
        var names = [String: Variable<Double>]()
        return crossEntropyCost(thetas: thetas, inputs: inputs, labels: labels, lambda: lambda, naming: &names)
    }

    /// The same, with `Θ(l)` and `z(l)` named as the text names them (for `--trace`).
    static func crossEntropyCost(thetas: [Variable<Double>], inputs: Tensor<Double>, labels: Tensor<Double>,
                                 lambda: Double, naming names: inout [String: Variable<Double>]) -> Variable<Double> {
        let tape = thetas[0].tape
        var a = tape.constant(inputs)
        var z = a
        for (l, theta) in thetas.enumerated() {
            names["Θ(\(l + 1))"] = theta
            z = matmul(a.prependingOnes(alongAxis: 1), theta.transposed())
            names["z(\(l + 2))"] = z
            if l < thetas.count - 1 { a = sigmoid(z) }
        }
        var penalty = tape.constant(0.0)
        for theta in thetas {
            var m = Tensor<Double>(ones: theta.shape)  // 0 on the bias column
            for r in 0..<theta.shape[0] { m[r, 0] = 0 }
            penalty = penalty + square(theta * m).sum()
        }
        let count = Double(inputs.shape[0])
        return sigmoidCrossEntropy(logits: z, labels: labels) + penalty * (lambda / (2 * count))
    }
}
