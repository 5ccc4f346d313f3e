import Tensors

// The squared-error text, literally: online backpropagation by the generalised delta rule,
// one example at a time, every sum an explicit loop in the order the text writes it.
//
//     forward   zⱼ = Σᵢ wᵢⱼ·yᵢ + bⱼ,   yⱼ = f(zⱼ)          (y of the input layer is x)
//     error     E = ½ Σₖ (tₖ − yₖ)²
//     output    δₖ = (tₖ − yₖ)·f′(zₖ)
//     hidden    δⱼ = f′(zⱼ)·Σₖ δₖ·wⱼₖ
//     update    Δwᵢⱼ = η·δⱼ·yᵢ,  w ← w + Δw;   Δbⱼ = η·δⱼ,  b ← b + Δb
//
// Note [Delta-rule grouping]: floating-point products are commutative but not associative,
// so the text's η·δⱼ·yᵢ must be given a grouping. We use η·(δⱼ·yᵢ). The tape computes
// ∂E/∂wᵢⱼ = 0 + yᵢ·z̄ⱼ in its GEMM (one term; 0 + x is exact), where z̄ⱼ = −δⱼ exactly
// (Note [Delta sign]); plain SGD then forms w − η·∂E/∂w = w − η·(−(yᵢ·δⱼ)) = w + η·(δⱼ·yᵢ),
// because negation is exact and commutes with rounding, and a − (−b) is a + b by definition.
// With this grouping the reference and a tape trained by SGD take the same steps, bit for
// bit; any other grouping would agree only to the last bit.
//
// Note [Delta sign]: δ = (t − y)·f′(z) is −∂E/∂z. The tape's adjoint of the output z is
// (y − t)·(y·(1 − y)) (halfSumOfSquares then sigmoid), and (t − y) = −(y − t) exactly, so
// δₖ = −z̄ₖ bit for bit. Hidden sums Σₖ δₖ·wⱼₖ are formed from 0 in increasing k, as the
// tape's GEMM forms Σₖ z̄ₖ·wⱼₖ, so δⱼ = −z̄ⱼ bit for bit as well.

/// One layer's quantities for one example: the layer's input y(l−1), its z, y and δ, and the
/// changes Δw, Δb the delta rule would make.
public struct SquaredErrorLayerTrace<Scalar: TensorScalar>: Sendable {
    /// yᵢ: the layer's input (the network input x for the first layer), shape [nᵢₙ].
    public let input: Tensor<Scalar>
    /// zⱼ = Σᵢ wᵢⱼ·yᵢ + bⱼ, shape [n].
    public let z: Tensor<Scalar>
    /// yⱼ = f(zⱼ), shape [n].
    public let output: Tensor<Scalar>
    /// δⱼ = (tⱼ − yⱼ)·f′(zⱼ) (output layer) or f′(zⱼ)·Σₖ δₖ·wⱼₖ (hidden layer); δ = −∂E/∂z.
    public let delta: Tensor<Scalar>
    /// Δwᵢⱼ = η·(δⱼ·yᵢ), shape [nᵢₙ, n] (see Note [Delta-rule grouping]).
    public let weightChange: Tensor<Scalar>
    /// Δbⱼ = η·δⱼ, shape [n].
    public let biasChange: Tensor<Scalar>
}

/// Everything the delta rule computes for one example, before the weights change.
public struct SquaredErrorStep<Scalar: TensorScalar>: Sendable {
    /// The layers, first hidden layer first; the last is the output layer.
    public let layers: [SquaredErrorLayerTrace<Scalar>]
    /// E = ½ Σₖ (tₖ − yₖ)² for this example, before the update.
    public let error: Scalar
    /// The network's output y for this example, before the update.
    public var output: Tensor<Scalar> { layers[layers.count - 1].output }
}

/// A fully connected network trained online by the delta rule on E = ½ Σ (t − y)².
///
/// Layer l has weights w of shape [n(l−1), n(l)] — wᵢⱼ joins unit i of the layer below to
/// unit j — and biases b of shape [n(l)]. Every unit uses the same ``DeltaRuleActivation``.
///
///     var net = SquaredErrorNetwork<Double>.textExample()
///     let step = net.step(input: [0.35, 0.9], target: [1], learningRate: 2.5)
///     step.layers[1].delta          // the output δ
///     net.apply(step)               // w ← w + Δw, b ← b + Δb
///
/// Depends on `Tensors` only: it is the independent oracle the tape is tested against.
public struct SquaredErrorNetwork<Scalar: TensorScalar>: Sendable {
    /// w(l) for each layer, shape [n(l−1), n(l)].
    public var weights: [Tensor<Scalar>]
    /// b(l) for each layer, shape [n(l)].
    public var biases: [Tensor<Scalar>]
    /// The units' nonlinearity f.
    public var activation: DeltaRuleActivation

    /// A network with the given parameters.
    /// - Precondition: at least one layer; each weight matrix is [n(l−1), n(l)], each bias
    ///   [n(l)], and consecutive layers chain.
    public init(weights: [Tensor<Scalar>], biases: [Tensor<Scalar>], activation: DeltaRuleActivation = .sigmoid,
                file: StaticString = #fileID, line: UInt = #line) {
        if weights.isEmpty || weights.count != biases.count {
            ShapeError.fail("SquaredErrorNetwork", shapes: weights.map(\.shape) + biases.map(\.shape),
                            detail: "needs one bias vector per weight matrix, and at least one layer", file: file, line: line)
        }
        for (l, (w, b)) in Swift.zip(weights, biases).enumerated() {
            let chains = l == 0 || weights[l - 1].shape.last == w.shape.first
            if w.rank != 2 || b.shape != [w.shape[1]] || !chains {
                ShapeError.fail("SquaredErrorNetwork", shapes: [w.shape, b.shape],
                                detail: "layer \(l + 1): weights must be [nᵢₙ, n] chaining the layer below, biases [n]",
                                file: file, line: line)
            }
        }
        self.weights = weights
        self.biases = biases
        self.activation = activation
    }

    /// A network of the given layer sizes (inputs first) with weights and biases drawn
    /// uniformly from [−range, range) by ``SeededGenerator``, layer by layer, weights before
    /// biases, in row-major order.
    public init(layerSizes: [Int], activation: DeltaRuleActivation = .sigmoid, range: Scalar, seed: UInt64) {
        if !(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }) { fatalError("SquaredErrorNetwork: needs at least two positive layer sizes, got \(layerSizes)") }
        var rng = SeededGenerator(seed: seed)
        var w = [Tensor<Scalar>](), b = [Tensor<Scalar>]()
        for l in 1..<layerSizes.count {
            w.append(Tensor(randomUniform: [layerSizes[l - 1], layerSizes[l]], lower: -range, upper: range, using: &rng))
            b.append(Tensor(randomUniform: [layerSizes[l]], lower: -range, upper: range, using: &rng))
        }
        self.init(weights: w, biases: b, activation: activation)
    }

    /// The squared-error text's 2-2-1 example: two inputs, two hidden sigmoid units, one
    /// sigmoid output, weights and biases uniform in [−1, 1) from seed 42.
    ///
    /// Trained on the single example ``textExampleInput`` → ``textExampleTarget`` (t = 1)
    /// with η = ``textExampleLearningRate``, its output starts near 0.8 and reaches about
    /// 0.99 within 1,000 epochs (`Docs/DeltaRule.md` lists the numbers).
    public static func textExample() -> SquaredErrorNetwork {
        SquaredErrorNetwork(layerSizes: [2, 2, 1], activation: .sigmoid, range: 1, seed: textExampleSeed)
    }

    /// The seed of ``textExample()``.
    public static var textExampleSeed: UInt64 { 42 }
    /// The input of the text's 2-2-1 training example.
    public static var textExampleInput: [Scalar] { [0.35, 0.9] }
    /// The target of the text's 2-2-1 training example.
    public static var textExampleTarget: [Scalar] { [1] }
    /// The learning rate η of the text's 2-2-1 example.
    public static var textExampleLearningRate: Scalar { 2.5 }

    /// The layer sizes, inputs first.
    public var layerSizes: [Int] { [weights[0].shape[0]] + weights.map { $0.shape[1] } }

    /// zⱼ = Σᵢ wᵢⱼ·yᵢ + bⱼ and yⱼ = f(zⱼ) of every layer, as (input, z, y) triples. The sum
    /// starts at 0 and adds i in increasing order, one fused multiply-add per term (the chain
    /// of Note [Deterministic GEMM]); the bias comes last.
    func forwardLayers(_ x: [Scalar]) -> [(input: [Scalar], z: [Scalar], y: [Scalar])] {
        var out = [(input: [Scalar], z: [Scalar], y: [Scalar])]()
        var y = x
        for (w, b) in Swift.zip(weights, biases) {
            let nIn = w.shape[0], n = w.shape[1]
            let ws = w.scalars, bs = b.scalars
            var z = [Scalar](repeating: 0, count: n)
            var next = [Scalar](repeating: 0, count: n)
            for j in 0..<n {
                var s: Scalar = 0
                for i in 0..<nIn { s = s.addingProduct(y[i], ws[i * n + j]) }
                z[j] = s + bs[j]
                next[j] = activation.value(z[j])
            }
            out.append((y, z, next))
            y = next
        }
        return out
    }

    /// The network's output y for an input x.
    /// - Precondition: `input.count` is the number of inputs.
    public func output(for input: [Scalar]) -> [Scalar] {
        if !(input.count == layerSizes[0]) { fatalError("SquaredErrorNetwork.output: \(input.count) inputs for \(layerSizes[0])") }
        return forwardLayers(input).last!.y
    }

    /// E = ½ Σₖ (tₖ − yₖ)², the squares added in increasing k and then halved.
    public func error(input: [Scalar], target: [Scalar]) -> Scalar {
        let y = output(for: input)
        if !(target.count == y.count) { fatalError("SquaredErrorNetwork.error: \(target.count) targets for \(y.count) outputs") }
        var s: Scalar = 0
        for (t, yk) in Swift.zip(target, y) { s += (t - yk) * (t - yk) }
        return s / 2
    }

    /// The delta rule for one example: forward pass, δ of every layer from the output down,
    /// and the changes Δw, Δb (not yet applied; see ``apply(_:)``).
    ///
    ///     δₖ = (tₖ − yₖ)·f′(zₖ);   δⱼ = f′(zⱼ)·Σₖ δₖ·wⱼₖ;   Δwᵢⱼ = η·(δⱼ·yᵢ);   Δbⱼ = η·δⱼ
    ///
    /// - Precondition: `input` and `target` have the sizes of the input and output layers.
    /// - Complexity: O(number of weights).
    public func step(input: [Scalar], target: [Scalar], learningRate eta: Scalar) -> SquaredErrorStep<Scalar> {
        let sizes = layerSizes
        if !(input.count == sizes[0] && target.count == sizes[sizes.count - 1]) { fatalError("SquaredErrorNetwork.step: input \(input.count) and target \(target.count) for layers \(sizes)") }
        let forward = forwardLayers(input)
        let count = forward.count
        var deltas = [[Scalar]](repeating: [], count: count)
        // Output layer: δₖ = (tₖ − yₖ)·f′(zₖ).
        let top = forward[count - 1]
        deltas[count - 1] = (0..<top.y.count).map { k in
            (target[k] - top.y[k]) * activation.derivative(z: top.z[k], y: top.y[k])
        }
        var error: Scalar = 0
        for k in 0..<top.y.count { error += (target[k] - top.y[k]) * (target[k] - top.y[k]) }
        // Hidden layers, from the top down: δⱼ = f′(zⱼ)·Σₖ δₖ·wⱼₖ (w of the layer above).
        var l = count - 2
        while l >= 0 {
            let above = weights[l + 1].scalars, nAbove = weights[l + 1].shape[1]
            let layer = forward[l], upper = deltas[l + 1]
            deltas[l] = (0..<layer.z.count).map { j in
                var s: Scalar = 0
                for k in 0..<nAbove { s = s.addingProduct(upper[k], above[j * nAbove + k]) }
                return activation.derivative(z: layer.z[j], y: layer.y[j]) * s
            }
            l -= 1
        }
        var layers = [SquaredErrorLayerTrace<Scalar>]()
        for (l, f) in forward.enumerated() {
            let delta = deltas[l], nIn = f.input.count, n = delta.count
            var dw = [Scalar](repeating: 0, count: nIn * n)
            for i in 0..<nIn {
                for j in 0..<n { dw[i * n + j] = eta * (delta[j] * f.input[i]) }  // Note [Delta-rule grouping]
            }
            layers.append(SquaredErrorLayerTrace(
                input: Tensor(f.input), z: Tensor(f.z), output: Tensor(f.y), delta: Tensor(delta),
                weightChange: Tensor(shape: [nIn, n], scalars: dw), biasChange: Tensor(delta.map { eta * $0 })))
        }
        return SquaredErrorStep(layers: layers, error: error / 2)
    }

    /// Applies a step's changes: w ← w + Δw, b ← b + Δb.
    /// - Precondition: the step was computed for a network of this shape.
    public mutating func apply(_ step: SquaredErrorStep<Scalar>) {
        if !(step.layers.count == weights.count) { fatalError("SquaredErrorNetwork.apply: step has \(step.layers.count) layers") }
        for (l, layer) in step.layers.enumerated() {
            weights[l] = weights[l] + layer.weightChange
            biases[l] = biases[l] + layer.biasChange
        }
    }

    /// Online training: for each epoch, for each example in order, compute the delta rule's
    /// step and apply it at once (the weights change after every example).
    ///
    /// - Returns: the total error Σ E over the examples of each epoch, as measured during that
    ///   epoch (each example's E before its own update).
    /// - Complexity: O(epochs · examples · weights).
    @discardableResult
    public mutating func train(on examples: [(input: [Scalar], target: [Scalar])], learningRate eta: Scalar,
                               epochs: Int) -> [Scalar] {
        var errors = [Scalar]()
        errors.reserveCapacity(epochs)
        for _ in 0..<epochs {
            var total: Scalar = 0
            for example in examples {
                let s = step(input: example.input, target: example.target, learningRate: eta)
                total += s.error
                apply(s)
            }
            errors.append(total)
        }
        return errors
    }
}
