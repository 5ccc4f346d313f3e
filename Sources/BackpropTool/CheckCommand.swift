import Backprop

/// `backprop check`: builds a layered sigmoid network and a random batch, runs the tape and the
/// textbook algorithm (DeltaRule), and prints per layer how far the tape's δ and D are from the
/// reference's, in ulps and relative terms (see Docs/DeltaRule.md).
///
///     backprop check [--layers 3,5,5,4] [--examples 8] [--lambda 3] [--seed 1] [--epsilon 0.12]
///                    [--form fused|composed] [--reference vectorised|loop]
///
/// Exits with 0 when every relative difference is at most 1e-12 and J agrees to 1e-14 (and, for
/// the fused op with m a power of two, every bit agrees); 1 otherwise; 2 on bad arguments.
enum CheckCommand {
    /// The usage text.
    static let usage = """
        usage: backprop check [--layers 3,5,5,4] [--examples 8] [--lambda 3] [--seed 1] [--epsilon 0.12]
                              [--form fused|composed] [--reference vectorised|loop]
        """

    /// Runs the command on its arguments (those after `check`) and returns the exit status.
    static func run(_ arguments: [String]) -> Int32 {
        var layers = [3, 5, 5, 4], m = 8, lambda = 3.0, seed: UInt64 = 1, epsilon = 0.12
        var form = CrossEntropyTapeForm.fusedSigmoidCrossEntropy
        var reference = CrossEntropyReferenceForm.vectorised
        var i = 0
        func value() -> String? {
            i += 1
            return i < arguments.count ? arguments[i] : nil
        }
        while i < arguments.count {
            let flag = arguments[i]
            guard let v = value() else { return fail("\(flag) needs a value") }
            switch flag {
            case "--layers":
                let sizes = v.split(separator: ",").compactMap { Int($0) }
                guard sizes.count >= 2, sizes.count == v.split(separator: ",").count, sizes.allSatisfy({ $0 > 0 }) else {
                    return fail("--layers needs at least two positive sizes, e.g. 3,5,5,4")
                }
                layers = sizes
            case "--examples":
                guard let n = Int(v), n > 0 else { return fail("--examples needs a positive integer") }
                m = n
            case "--lambda":
                guard let l = Double(v), l >= 0 else { return fail("--lambda needs a number ≥ 0") }
                lambda = l
            case "--seed":
                guard let s = UInt64(v) else { return fail("--seed needs a non-negative integer") }
                seed = s
            case "--epsilon":
                guard let e = Double(v), e > 0 else { return fail("--epsilon needs a positive number") }
                epsilon = e
            case "--form":
                switch v {
                case "fused": form = .fusedSigmoidCrossEntropy
                case "composed": form = .composedFromLogAndSigmoid
                default: return fail("--form is fused or composed")
                }
            case "--reference":
                switch v {
                case "vectorised", "vectorized": reference = .vectorised
                case "loop": reference = .exampleByExample
                default: return fail("--reference is vectorised or loop")
                }
            default:
                return fail("unknown option \(flag)")
            }
            i += 1
        }
        let network = CrossEntropyNetwork<Double>(layerSizes: layers, epsilon: epsilon, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1000)
        let x = Tensor<Double>(randomUniform: [m, layers[0]], using: &rng)
        let classes = layers[layers.count - 1]
        var y = Tensor<Double>(zeros: [m, classes])
        for row in 0..<m { y[row, Int(rng.nextUnitDouble() * Double(classes))] = 1 }
        let agreement = compareTapeWithDeltaRule(thetas: network.thetas, inputs: x, labels: y, lambda: lambda,
                                                 form: form, reference: reference)
        print("network \(layers.map(String.init).joined(separator: "-")), m = \(m), λ = \(lambda), \(form), \(reference)")
        print(agreement)
        let exactExpected = form == .fusedSigmoidCrossEntropy && m & (m - 1) == 0
        let ok = agreement.maxRelativeDifference <= 1e-12 && agreement.costRelativeDifference <= 1e-14
            && (!exactExpected || agreement.isBitwiseIdentical)
        print(agreement.isBitwiseIdentical ? "bit-identical" : (ok ? "agrees within 1e-12" : "DISAGREES"))
        return ok ? 0 : 1
    }

    static func fail(_ message: String) -> Int32 {
        print("backprop check: \(message)\n\(usage)")
        return 2
    }
}
