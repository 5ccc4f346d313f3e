import Autodiff
import DeltaRule
import Tensors

// The tape against the textbook algorithms of the DeltaRule module: each network is built
// on the tape from matmul, add-bias (or the bias column), sigmoid, log and sum, and its
// adjoints are set beside the reference's δ and D under the conventions of
// Docs/DeltaRule.md:
//
//     squared error:   δ = −∂E/∂z;           Δw = η·(δ·y) = −η·∂E/∂w
//     cross-entropy:   δ(l) = m·∂J/∂z(l);    D(l) = ∂J/∂Θ(l)
//
// The command-line `check` and the DeltaRule tests both use these functions.

// MARK: - Squared error (the delta rule)

/// The tape's derivatives of E = ½ Σ (t − y)² for one example through a
/// ``SquaredErrorNetwork``, layer by layer.
public struct SquaredErrorTapeGradients<Scalar: TensorScalar>: Sendable {
    /// E as the tape computed it.
    public let error: Scalar
    /// ∂E/∂z of each layer, shape [n] (δ = −∂E/∂z).
    public let zAdjoints: [Tensor<Scalar>]
    /// ∂E/∂w of each layer, shape [nᵢₙ, n].
    public let weightGradients: [Tensor<Scalar>]
    /// ∂E/∂b of each layer, shape [n].
    public let biasGradients: [Tensor<Scalar>]
}

/// Builds a ``SquaredErrorNetwork`` on a tape for one example and differentiates E:
///
///     z = matmul(y, w).addingBias(b);   y = f(z)  (sigmoid or relu);   E = halfSumOfSquares(y, t)
///
/// and returns ∂E/∂z, ∂E/∂w and ∂E/∂b of every layer.
/// - Precondition: `input` and `target` have the sizes of the input and output layers.
/// - Complexity: O(number of weights).
public func squaredErrorOnTape<Scalar: TensorScalar>(
    _ network: SquaredErrorNetwork<Scalar>, input: [Scalar], target: [Scalar]
) -> SquaredErrorTapeGradients<Scalar> {
    let sizes = network.layerSizes
    if !(input.count == sizes[0] && target.count == sizes[sizes.count - 1]) { fatalError("squaredErrorOnTape: input \(input.count) and target \(target.count) for layers \(sizes)") }
    let tape = Tape<Scalar>()
    var y = tape.constant(Tensor(shape: [1, input.count], scalars: input))
    var zs = [Variable<Scalar>](), ws = [Variable<Scalar>](), bs = [Variable<Scalar>]()
    for (w, b) in Swift.zip(network.weights, network.biases) {
        let wv = tape.variable(w), bv = tape.variable(b)
        let z = matmul(y, wv).addingBias(bv)
        y = network.activation == .sigmoid ? sigmoid(z) : relu(z)
        zs.append(z); ws.append(wv); bs.append(bv)
    }
    let e = halfSumOfSquares(predictions: y, targets: Tensor(shape: [1, target.count], scalars: target))
    let g = tape.gradient(of: e, wrt: zs + ws + bs)
    let n = zs.count
    return SquaredErrorTapeGradients(
        error: e.value.scalar,
        zAdjoints: g[0..<n].map { $0.reshaped(to: [$0.count]) },
        weightGradients: Array(g[n..<(2 * n)]),
        biasGradients: Array(g[(2 * n)...]))
}

/// Online training through the tape with plain SGD, in the delta rule's order: for each epoch,
/// for each example, differentiate E on a fresh tape and update at once
///
///     w ← w − η·∂E/∂w,   b ← b − η·∂E/∂b
///
/// With the sigmoid, this takes the same steps as ``SquaredErrorNetwork/train(on:learningRate:epochs:)``
/// bit for bit (Note [Delta-rule grouping] in DeltaRule).
/// - Returns: the trained network.
/// - Complexity: O(epochs · examples · number of weights).
public func trainSquaredErrorOnTape<Scalar: TensorScalar>(
    _ network: SquaredErrorNetwork<Scalar>, on examples: [(input: [Scalar], target: [Scalar])],
    learningRate eta: Scalar, epochs: Int
) -> SquaredErrorNetwork<Scalar> {
    var net = network
    for _ in 0..<epochs {
        for example in examples {
            let g = squaredErrorOnTape(net, input: example.input, target: example.target)
            for l in 0..<net.weights.count {
                net.weights[l] = net.weights[l] - eta * g.weightGradients[l]
                net.biases[l] = net.biases[l] - eta * g.biasGradients[l]
            }
        }
    }
    return net
}

/// How closely one layer of the tape matches the delta rule for one example.
public struct SquaredErrorLayerAgreement: Sendable {
    /// The layer, 1 for the first layer of weights.
    public let layer: Int
    /// −∂E/∂z from the tape against the reference δ.
    public let delta: ElementwiseDifference
    /// −η·∂E/∂w from the tape against the reference Δw = η·(δⱼ·yᵢ).
    public let weightChange: ElementwiseDifference
    /// −η·∂E/∂b from the tape against the reference Δb = η·δ.
    public let biasChange: ElementwiseDifference
    /// Whether all three agree in every bit (the sign of zero included).
    public let isBitwiseIdentical: Bool
}

/// Compares the tape with the delta rule on one example, layer by layer:
///
///     δ  vs −∂E/∂z;     Δw vs −η·∂E/∂w;     Δb vs −η·∂E/∂b
///
/// The tape's values are negated and scaled exactly as plain SGD would scale them, so
/// agreement in every bit means SGD on the tape takes the delta rule's step.
/// - Complexity: O(number of weights).
public func compareTapeWithDeltaRule<Scalar: TensorScalar>(
    network: SquaredErrorNetwork<Scalar>, input: [Scalar], target: [Scalar], learningRate eta: Scalar
) -> [SquaredErrorLayerAgreement] {
    let reference = network.step(input: input, target: target, learningRate: eta)
    let tape = squaredErrorOnTape(network, input: input, target: target)
    return reference.layers.enumerated().map { l, r in
        let delta = -tape.zAdjoints[l]
        let dw = -(eta * tape.weightGradients[l]), db = -(eta * tape.biasGradients[l])
        return SquaredErrorLayerAgreement(
            layer: l + 1, delta: delta.difference(from: r.delta), weightChange: dw.difference(from: r.weightChange),
            biasChange: db.difference(from: r.biasChange),
            isBitwiseIdentical: delta.isBitwiseIdentical(to: r.delta) && dw.isBitwiseIdentical(to: r.weightChange)
                && db.isBitwiseIdentical(to: r.biasChange))
    }
}

// MARK: - Cross-entropy with Θ matrices

/// How the cross-entropy cost is put on the tape.
public enum CrossEntropyTapeForm: Sendable, Equatable, CaseIterable {
    /// The fused op on the text's un-normalised cost (Note [Un-normalised cost]):
    /// m·J = sigmoidCrossEntropy(z(L), Y, reduction: .sum) + (λ/2)·ΣΘ², whose adjoints are the
    /// text's δ(l) themselves — the fused VJP is exactly a(L) − y — and D(l) = (1/m)·∂(m·J)/∂Θ(l),
    /// the text's last step. Bit-identical to the reference for every m.
    case fusedSigmoidCrossEntropy
    /// −(1/m)·sum(Y ⊙ log(σ(z)) + (1 − Y) ⊙ log(1 − σ(z))) + (λ/(2m))·ΣΘ², from the primitives:
    /// the tape differentiates J itself, log and sigmoid separately, and reaches a(L) − y only
    /// up to rounding; δ(l) = m·∂J/∂z(l).
    case composedFromLogAndSigmoid
}

/// The tape's derivatives of the regularised cross-entropy cost J(Θ) for a batch.
public struct CrossEntropyTapeGradients<Scalar: TensorScalar>: Sendable {
    /// J as the tape computed it.
    public let cost: Scalar
    /// The per-example δ(l) for l = 2…L (`deltas[l − 2]`), shape [m, s(l)], as the tape gives
    /// them: the adjoints ∂(m·J)/∂z(l) (fused form) or m·∂J/∂z(l) (composed form).
    public let deltas: [Tensor<Scalar>]
    /// ∂J/∂z(l) for l = 2…L (`zAdjoints[l − 2]`), shape [m, s(l)]: the composed form's adjoints,
    /// the fused form's δ(l)·(1/m).
    public let zAdjoints: [Tensor<Scalar>]
    /// ∂J/∂Θ(l) = D(l) for l = 1…L−1 (`thetaGradients[l − 1]`), shape of Θ(l).
    public let thetaGradients: [Tensor<Scalar>]
}

/// Builds the cross-entropy text's network on a tape, rows as examples, and differentiates its
/// cost:
///
///     A(1) = [1 | X] (prependingOnes);   Z(l+1) = matmul(A(l), Θ(l)ᵀ);   A(l+1) = [1 | σ(Z(l+1))]
///     fused:     m·J = sigmoidCrossEntropy(Z(L), Y, reduction: .sum) + (λ/2)·Σₗ sum((Θ(l) ⊙ M)²)
///                D(l) = (1/m)·∂(m·J)/∂Θ(l)
///     composed:  J = −(1/m)·sum(Y ⊙ log σ(Z(L)) + (1 − Y) ⊙ log(1 − σ(Z(L)))) + (λ/(2m))·Σₗ sum((Θ(l) ⊙ M)²)
///                D(l) = ∂J/∂Θ(l)
///
/// with M = 1 except 0 in the bias column. No penalty is recorded when λ = 0.
///
/// Note [Un-normalised cost]: reverse mode applies the 1/m of a mean where the loss is, before
/// any product: the adjoint of Θ becomes Σᵢ ((aᵢ − yᵢ)/m)·aᵢᵀ, while the text forms
/// Δ = Σᵢ (aᵢ − yᵢ)·aᵢᵀ first and scales it last, D = (1/m)(Δ + λΘ). The two round differently
/// unless m is a power of two. Differentiating the text's own un-normalised quantity m·J
/// instead makes every adjoint the text's: z̄(L) = a − y (the fused VJP with J̄ = 1), the hidden
/// δ(l) by the same products, ∂(m·J)/∂Θ = Δ + λΘ (the penalty's (λ/2)·2Θ is λΘ exactly), and
/// the last step is the text's D = (1/m)·(Δ + λΘ).
/// - Parameters:
///   - thetas: Θ(1)…Θ(L−1), each s(l+1) × (s(l) + 1).
///   - inputs: X, [m, s(1)]; labels: Y, [m, s(L)].
/// - Complexity: O(m · number of weights).
public func crossEntropyOnTape<Scalar: TensorScalar>(
    thetas: [Tensor<Scalar>], inputs: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar,
    form: CrossEntropyTapeForm
) -> CrossEntropyTapeGradients<Scalar> {
    let tape = Tape<Scalar>()
    let m = Scalar(inputs.shape[0])
    let parameters = thetas.map { tape.variable($0) }
    var a = tape.constant(inputs).prependingOnes(alongAxis: 1)
    var zs = [Variable<Scalar>]()
    for (l, theta) in parameters.enumerated() {
        let z = matmul(a, theta.transposed())
        zs.append(z)
        if l < parameters.count - 1 { a = sigmoid(z).prependingOnes(alongAxis: 1) }
    }
    let logits = zs[zs.count - 1]
    let unnormalised = form == .fusedSigmoidCrossEntropy
    var cost: Variable<Scalar>
    if unnormalised {
        cost = sigmoidCrossEntropy(logits: logits, labels: labels, reduction: .sum)
    } else {
        let h: Variable<Scalar> = sigmoid(logits)
        let oneMinusLabels: Tensor<Scalar> = 1 - labels
        let oneMinusH: Variable<Scalar> = 1 - h
        let positive: Variable<Scalar> = labels * log(h)
        let negative: Variable<Scalar> = oneMinusLabels * log(oneMinusH)
        cost = (positive + negative).sum() * (-1 / m)
    }
    if lambda != 0 {
        let coefficient = unnormalised ? lambda / 2 : lambda / (2 * m)
        for (theta, value) in Swift.zip(parameters, thetas) {
            var mask = Tensor<Scalar>(ones: value.shape)
            for i in 0..<value.shape[0] { mask[i, 0] = 0 }
            let weights = theta * mask
            cost = cost + (weights * weights).sum() * coefficient
        }
    }
    let g = tape.gradient(of: cost, wrt: zs + parameters)
    let zAdjoints = Array(g[0..<zs.count]), thetaAdjoints = Array(g[zs.count...])
    guard unnormalised else {
        return CrossEntropyTapeGradients(cost: cost.value.scalar, deltas: zAdjoints.map { $0 * m },
                                         zAdjoints: zAdjoints, thetaGradients: thetaAdjoints)
    }
    let scale = 1 / m  // the text's D = (1/m)·(Δ + λΘ), with the tape's Δ + λΘ
    return CrossEntropyTapeGradients(cost: cost.value.scalar / m, deltas: zAdjoints,
                                     zAdjoints: zAdjoints.map { $0 * scale },
                                     thetaGradients: thetaAdjoints.map { $0.map { scale * $0 } })
}

/// Which of the DeltaRule module's two forms of cross-entropy backpropagation to compare with.
public enum CrossEntropyReferenceForm: Sendable, Equatable, CaseIterable {
    /// ``CrossEntropyNetwork/backpropagateExampleByExample(inputs:labels:lambda:file:line:)``.
    case exampleByExample
    /// ``CrossEntropyNetwork/backpropagateVectorised(inputs:labels:lambda:file:line:)``.
    case vectorised
}

/// How closely one Θ layer of the tape matches the reference.
public struct CrossEntropyLayerAgreement: Sendable {
    /// l, for Θ(l); the δ compared is δ(l+1), the error of the layer Θ(l) feeds.
    public let layer: Int
    /// The tape's δ(l+1) (``CrossEntropyTapeGradients/deltas``) against the text's (every
    /// example, every unit).
    public let delta: ElementwiseDifference
    /// ∂J/∂Θ(l) from the tape against D(l).
    public let gradient: ElementwiseDifference
    /// Whether the tape's δ(l+1) and the text's agree in every bit.
    public let deltaIsBitwiseIdentical: Bool
    /// Whether ∂J/∂Θ(l) and D(l) agree in every bit.
    public let gradientIsBitwiseIdentical: Bool
}

/// The agreement between the tape and the textbook algorithm on one network and batch.
public struct CrossEntropyAgreement: Sendable, CustomStringConvertible {
    /// One entry per Θ(l), l = 1…L−1.
    public let layers: [CrossEntropyLayerAgreement]
    /// J as the tape computed it (fused or composed cost, plus the penalty).
    public let tapeCost: Double
    /// J as the reference computed it, term by term as the text writes it.
    public let referenceCost: Double

    /// |J_tape − J_ref|.
    public var costAbsoluteDifference: Double { Swift.abs(tapeCost - referenceCost) }
    /// |J_tape − J_ref| / |J_ref| (0 when both are 0).
    public var costRelativeDifference: Double {
        costAbsoluteDifference == 0 ? 0 : costAbsoluteDifference / Swift.abs(referenceCost)
    }
    /// The largest relative difference over every layer's δ and D.
    public var maxRelativeDifference: Double {
        layers.reduce(0) { Swift.max($0, $1.delta.relative, $1.gradient.relative) }
    }
    /// The largest ulp distance over every layer's δ and D.
    public var maxULPs: UInt64 { layers.reduce(0) { Swift.max($0, $1.delta.maxULPs, $1.gradient.maxULPs) } }
    /// Whether every δ and every D agree in every bit.
    public var isBitwiseIdentical: Bool {
        layers.allSatisfy { $0.deltaIsBitwiseIdentical && $0.gradientIsBitwiseIdentical }
    }

    /// One line per Θ(l) with the ulps and relative differences of δ(l+1) and D(l), and a
    /// last line comparing the two J: the report meant for the command-line `check`.
    public var description: String {
        var lines = layers.map { a in
            "Θ(\(a.layer)): δ(\(a.layer + 1)) \(a.delta.maxULPs) ulps, relative \(a.delta.relative); "
                + "D(\(a.layer)) \(a.gradient.maxULPs) ulps, relative \(a.gradient.relative)"
        }
        lines.append("J: tape \(tapeCost), reference \(referenceCost), relative \(costRelativeDifference)")
        return lines.joined(separator: "\n")
    }
}

/// Compares the tape with the cross-entropy text's backpropagation on one batch: for every
/// layer, the largest difference between the tape's δ(l+1) and the text's, and between the
/// tape's ∂J/∂Θ(l) and D(l), in absolute, relative and ulp terms, and the difference between
/// the two J (see ``crossEntropyOnTape(thetas:inputs:labels:lambda:form:)``):
///
///     δ(l) = ∂(m·J)/∂z(l) = m·∂J/∂z(l)   (per example, because J averages over m examples)
///     D(l) = ∂J/∂Θ(l)
///
/// - Parameters:
///   - thetas: Θ(1)…Θ(L−1), each s(l+1) × (s(l) + 1), bias in column 0.
///   - inputs: X, [m, s(1)]; labels: Y, [m, s(L)] with entries in [0, 1].
///   - lambda: λ ≥ 0.
///   - form: how the tape computes the cost.
///   - reference: which form of the textbook algorithm to compare with.
/// - Complexity: O(m · number of weights).
public func compareTapeWithDeltaRule<Scalar: TensorScalar>(
    thetas: [Tensor<Scalar>], inputs: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar,
    form: CrossEntropyTapeForm = .fusedSigmoidCrossEntropy, reference: CrossEntropyReferenceForm = .vectorised
) -> CrossEntropyAgreement {
    let network = CrossEntropyNetwork(thetas: thetas)
    let r = reference == .vectorised
        ? network.backpropagateVectorised(inputs: inputs, labels: labels, lambda: lambda)
        : network.backpropagateExampleByExample(inputs: inputs, labels: labels, lambda: lambda)
    let t = crossEntropyOnTape(thetas: thetas, inputs: inputs, labels: labels, lambda: lambda, form: form)
    let layers = thetas.indices.map { l in
        let delta = t.deltas[l]
        return CrossEntropyLayerAgreement(
            layer: l + 1, delta: delta.difference(from: r.deltas[l]),
            gradient: t.thetaGradients[l].difference(from: r.gradients[l]),
            deltaIsBitwiseIdentical: delta.isBitwiseIdentical(to: r.deltas[l]),
            gradientIsBitwiseIdentical: t.thetaGradients[l].isBitwiseIdentical(to: r.gradients[l]))
    }
    return CrossEntropyAgreement(layers: layers, tapeCost: Double(t.cost), referenceCost: Double(r.cost))
}
