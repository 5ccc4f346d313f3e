import Tensors

// The cross-entropy text, literally: Θ matrices with the bias in column 0, sigmoid units,
// δ(L) = a(L) − y, Δ accumulation over the m examples, and L2 regularisation of the
// non-bias weights. Layers are numbered as in the text, 1…L; Swift arrays are 0-based, so
// `thetas[l − 1]` is Θ(l) and `z[l − 2]`, `deltas[l − 2]` are z(l), δ(l).
//
//     a(1) = [1; x]
//     z(l+1) = Θ(l)·a(l),   a(l+1) = [1; g(z(l+1))]   (no bias unit on a(L))
//     δ(L) = a(L) − y
//     δ(l) = ((Θ(l))ᵀ·δ(l+1))[1…] ⊙ g′(z(l)),   g′(z) = g(z)·(1 − g(z)),   l = L−1 … 2
//     Δ(l) += δ(l+1)·(a(l))ᵀ
//     D(l)ᵢⱼ = (1/m)·(Δ(l)ᵢⱼ + λ·Θ(l)ᵢⱼ)   for j ≠ 0;   (1/m)·Δ(l)ᵢⱼ   for j = 0
//     J(Θ) = −(1/m) Σᵢ Σₖ [yₖ⁽ⁱ⁾·ln h(x⁽ⁱ⁾)ₖ + (1 − yₖ⁽ⁱ⁾)·ln(1 − h(x⁽ⁱ⁾)ₖ)] + (λ/2m) Σₗ Σᵢ Σⱼ≠0 Θ(l)ᵢⱼ²
//
// Note [Reference summation order]: every sum of products starts from 0 and adds its terms
// in increasing index, each by one fused multiply-add (`s = s.addingProduct(u, v)`): Θ(l)·a
// over the columns j (so the bias term Θᵢ₀·1 comes first), Θᵀ·δ over the rows k, and Δ over
// the examples i = 1…m in order. The per-example loop and the
// vectorised form therefore round identically, and both match the order of the tape's GEMM
// (Note [Deterministic GEMM]): differences between tape and reference come only from where
// the 1/m is applied (see Docs/DeltaRule.md, "What agrees, and how closely").

/// Everything backpropagation computes for a batch: the forward values, the δ of every
/// layer for every example, the accumulated Δ, the gradients D and the cost J.
///
/// Batch quantities are matrices with one row per example (example i in row i − 1).
public struct CrossEntropyBackprop<Scalar: TensorScalar>: Sendable {
    /// a(l) for l = 1…L−1 with the bias unit prepended, shape [m, s(l) + 1]; then a(L),
    /// shape [m, s(L)] (the hypothesis h(x)).
    public let activations: [Tensor<Scalar>]
    /// z(l) = Θ(l−1)·a(l−1) for l = 2…L (`z[l − 2]`), shape [m, s(l)].
    public let z: [Tensor<Scalar>]
    /// δ(l) for l = 2…L (`deltas[l − 2]`), shape [m, s(l)]: δ(L) = a(L) − y and the hidden
    /// δ(l) without a bias entry. Per example, δ(l) = m·∂J/∂z(l) (Docs/DeltaRule.md).
    public let deltas: [Tensor<Scalar>]
    /// Δ(l) = Σᵢ δ(l+1)⁽ⁱ⁾·(a(l)⁽ⁱ⁾)ᵀ for l = 1…L−1, shape of Θ(l).
    public let accumulators: [Tensor<Scalar>]
    /// D(l) = ∂J/∂Θ(l) for l = 1…L−1, shape of Θ(l).
    public let gradients: [Tensor<Scalar>]
    /// J(Θ), the regularised cost.
    public let cost: Scalar
}

/// A layered sigmoid network in the cross-entropy text's notation: one Θ(l) per pair of
/// layers, of shape s(l+1) × (s(l) + 1), whose column 0 multiplies the bias unit.
///
///     let net = CrossEntropyNetwork<Double>(layerSizes: [3, 5, 5, 4], seed: 1)
///     let b = net.backpropagateExampleByExample(inputs: X, labels: Y, lambda: 3)
///     b.gradients[0]            // D(1) = ∂J/∂Θ(1)
///
/// Depends on `Tensors` only: it is the independent oracle the tape is tested against.
public struct CrossEntropyNetwork<Scalar: TensorScalar>: Sendable {
    /// Θ(l) for l = 1…L−1 (`thetas[l − 1]`), shape [s(l+1), s(l) + 1], bias in column 0.
    public var thetas: [Tensor<Scalar>]

    /// A network with the given Θ matrices.
    /// - Precondition: at least one matrix; each Θ(l) is rank 2 with s(l) + 1 columns, where
    ///   s(l) is the number of rows of Θ(l−1).
    public init(thetas: [Tensor<Scalar>], file: StaticString = #fileID, line: UInt = #line) {
        if thetas.isEmpty {
            ShapeError.fail("CrossEntropyNetwork", shapes: [], detail: "needs at least one Θ", file: file, line: line)
        }
        for (l, t) in thetas.enumerated() where t.rank != 2 || (l > 0 && t.shape[1] != thetas[l - 1].shape[0] + 1) {
            ShapeError.fail("CrossEntropyNetwork", shapes: thetas.map(\.shape),
                            detail: "Θ(\(l + 1)) must be s(\(l + 2)) × (s(\(l + 1)) + 1), chaining Θ(\(l))",
                            file: file, line: line)
        }
        self.thetas = thetas
    }

    /// A network of the given layer sizes s(1)…s(L) with every entry of every Θ drawn
    /// uniformly from [−ε, ε) by ``SeededGenerator``, Θ(1) first, row-major (the text's
    /// symmetry-breaking initialisation; ε = 0.12 by default).
    public init(layerSizes: [Int], epsilon: Scalar = 0.12, seed: UInt64) {
        if !(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }) { fatalError("CrossEntropyNetwork: needs at least two positive layer sizes, got \(layerSizes)") }
        var rng = SeededGenerator(seed: seed)
        self.init(thetas: (1..<layerSizes.count).map { l in
            Tensor(randomUniform: [layerSizes[l], layerSizes[l - 1] + 1], lower: -epsilon, upper: epsilon, using: &rng)
        })
    }

    /// s(1)…s(L): the number of units in each layer, without bias units.
    public var layerSizes: [Int] { [thetas[0].shape[1] - 1] + thetas.map { $0.shape[0] } }

    func checkBatch(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ name: String, file: StaticString, line: UInt) {
        let s = layerSizes
        if x.rank != 2 || y.rank != 2 || x.shape[0] != y.shape[0] || x.shape[0] == 0
            || x.shape[1] != s[0] || y.shape[1] != s[s.count - 1] {
            ShapeError.fail(name, shapes: [x.shape, y.shape],
                            detail: "needs inputs [m, \(s[0])] and labels [m, \(s[s.count - 1])] with m ≥ 1",
                            file: file, line: line)
        }
    }

    /// h(x) = a(L) for every row of `inputs`, by the vectorised forward pass.
    /// - Precondition: inputs are [m, s(1)].
    /// - Complexity: O(m · number of weights).
    public func hypothesis(_ inputs: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
        if inputs.rank != 2 || inputs.shape[1] != layerSizes[0] {
            ShapeError.fail("CrossEntropyNetwork.hypothesis", shapes: [inputs.shape],
                            detail: "needs inputs [m, \(layerSizes[0])]", file: file, line: line)
        }
        var a = inputs.prependingBiasColumn()
        for (l, theta) in thetas.enumerated() {
            let g = sigmoid(matmul(a, theta, transposingB: true))
            a = l == thetas.count - 1 ? g : g.prependingBiasColumn()
        }
        return a
    }

    /// The cost J(Θ) of the text, term by term:
    ///
    ///     J = −(1/m) Σᵢ Σₖ [y·ln h + (1 − y)·ln(1 − h)] + (λ/2m) Σₗ Σᵢ Σⱼ≠0 Θ(l)ᵢⱼ²
    ///
    /// evaluated as −S/m + (λ/(2m))·R, with S added example by example and output by output,
    /// R layer by layer in row-major order. A term whose coefficient y or 1 − y is 0 is
    /// skipped (0·ln 0 = 0, the limit), so a saturated unit with a matching label costs 0.
    /// - Precondition: inputs [m, s(1)], labels [m, s(L)].
    public func cost(inputs: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar,
                     file: StaticString = #fileID, line: UInt = #line) -> Scalar {
        checkBatch(inputs, labels, "CrossEntropyNetwork.cost", file: file, line: line)
        return cost(hypothesis: hypothesis(inputs), labels: labels, lambda: lambda)
    }

    /// J from a computed hypothesis (see ``cost(inputs:labels:lambda:file:line:)``).
    func cost(hypothesis h: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar) -> Scalar {
        let m = Scalar(h.shape[0])
        var s: Scalar = 0
        for (hk, yk) in Swift.zip(h.scalars, labels.scalars) {
            if yk != 0 { s += yk * Scalar.log(hk) }
            if yk != 1 { s += (1 - yk) * Scalar.log(1 - hk) }
        }
        var r: Scalar = 0
        for theta in thetas {
            let columns = theta.shape[1], ts = theta.scalars
            for i in 0..<theta.shape[0] {
                for j in 1..<columns { r += ts[i * columns + j] * ts[i * columns + j] }
            }
        }
        return -s / m + lambda / (2 * m) * r
    }

    /// D(l) from Δ(l): (1/m)·(Δᵢⱼ + λ·Θᵢⱼ) for j ≠ 0 and (1/m)·Δᵢⱼ for j = 0.
    func regularisedGradients(_ accumulators: [Tensor<Scalar>], m: Int, lambda: Scalar) -> [Tensor<Scalar>] {
        let scale = 1 / Scalar(m)
        return Swift.zip(accumulators, thetas).map { delta, theta in
            let columns = theta.shape[1]
            var d = delta.scalars
            let ts = theta.scalars
            for k in 0..<d.count {
                d[k] = k % columns == 0 ? scale * d[k] : scale * (d[k] + lambda * ts[k])
            }
            return Tensor(shape: theta.shape, scalars: d)
        }
    }

    /// Backpropagation exactly as the text's loop writes it: for i = 1…m, forward-propagate
    /// x⁽ⁱ⁾, compute δ(L) = a(L) − y⁽ⁱ⁾ and the hidden δ(l) from the top down, and add
    /// δ(l+1)·(a(l))ᵀ into Δ(l); after the loop, D(l) from Δ(l) and λ. Every product and sum
    /// is an explicit scalar loop (Note [Reference summation order]).
    ///
    /// - Parameters:
    ///   - inputs: X, shape [m, s(1)], one example per row.
    ///   - labels: Y, shape [m, s(L)], each entry in [0, 1].
    ///   - lambda: λ ≥ 0, the weight of the L2 penalty on non-bias weights.
    /// - Complexity: O(m · number of weights).
    public func backpropagateExampleByExample(
        inputs: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar,
        file: StaticString = #fileID, line: UInt = #line
    ) -> CrossEntropyBackprop<Scalar> {
        checkBatch(inputs, labels, "CrossEntropyNetwork.backpropagateExampleByExample", file: file, line: line)
        let sizes = layerSizes, layers = sizes.count, m = inputs.shape[0]
        let th = thetas.map(\.scalars)
        var bigDelta = thetas.map { [Scalar](repeating: 0, count: $0.count) }
        // Per-layer batch matrices, filled row by row: a(l) with bias, z(l), δ(l).
        var aRows = (1...layers).map { l in [Scalar](repeating: 0, count: m * (sizes[l - 1] + (l < layers ? 1 : 0))) }
        var zRows = (2...layers).map { l in [Scalar](repeating: 0, count: m * sizes[l - 1]) }
        var dRows = zRows
        let xs = inputs.scalars, ys = labels.scalars
        for i in 0..<m {
            // a(1) = [1; x⁽ⁱ⁾].
            var a: [[Scalar]] = [[1] + xs[(i * sizes[0])..<((i + 1) * sizes[0])]]
            var z: [[Scalar]] = []
            for l in 1..<layers {  // z(l+1) = Θ(l)·a(l);  a(l+1) = [1; g(z(l+1))]
                let rows = sizes[l], columns = sizes[l - 1] + 1, t = th[l - 1], al = a[l - 1]
                var zl = [Scalar](repeating: 0, count: rows)
                for r in 0..<rows {
                    var s: Scalar = 0
                    for c in 0..<columns { s = s.addingProduct(t[r * columns + c], al[c]) }
                    zl[r] = s
                }
                let g = zl.map { sigmoidScalar($0) }
                z.append(zl)
                a.append(l + 1 < layers ? [1] + g : g)
            }
            // δ(L) = a(L) − y⁽ⁱ⁾.
            let sL = sizes[layers - 1]
            var d = [[Scalar]](repeating: [], count: layers - 1)  // d[l − 2] = δ(l)
            d[layers - 2] = (0..<sL).map { k in a[layers - 1][k] - ys[i * sL + k] }
            // δ(l) = (Θ(l)ᵀ·δ(l+1))[1…] ⊙ g′(z(l)),  l = L−1 … 2.
            var l = layers - 1
            while l >= 2 {
                let t = th[l - 1], rows = sizes[l], columns = sizes[l - 1] + 1, upper = d[l - 1]
                var dl = [Scalar](repeating: 0, count: columns - 1)
                for j in 1..<columns {  // the bias row j = 0 is dropped
                    var s: Scalar = 0
                    for k in 0..<rows { s = s.addingProduct(upper[k], t[k * columns + j]) }
                    let g = a[l - 1][j]  // g(z(l))ⱼ, behind the bias unit
                    dl[j - 1] = s * (g * (1 - g))
                }
                d[l - 2] = dl
                l -= 1
            }
            // Δ(l) += δ(l+1)·(a(l))ᵀ.
            for l in 1..<layers {
                let rows = sizes[l], columns = sizes[l - 1] + 1, upper = d[l - 1], al = a[l - 1]
                for r in 0..<rows {
                    for c in 0..<columns {
                        bigDelta[l - 1][r * columns + c] = bigDelta[l - 1][r * columns + c].addingProduct(upper[r], al[c])
                    }
                }
            }
            for l in 1...layers {
                let width = a[l - 1].count
                for c in 0..<width { aRows[l - 1][i * width + c] = a[l - 1][c] }
            }
            for l in 2...layers {
                let width = sizes[l - 1]
                for c in 0..<width {
                    zRows[l - 2][i * width + c] = z[l - 2][c]
                    dRows[l - 2][i * width + c] = d[l - 2][c]
                }
            }
        }
        let accumulators = Swift.zip(bigDelta, thetas).map { Tensor(shape: $1.shape, scalars: $0) }
        let activations = aRows.enumerated().map { l, rows in Tensor(shape: [m, rows.count / m], scalars: rows) }
        return CrossEntropyBackprop(
            activations: activations,
            z: zRows.enumerated().map { Tensor(shape: [m, sizes[$0.offset + 1]], scalars: $0.element) },
            deltas: dRows.enumerated().map { Tensor(shape: [m, sizes[$0.offset + 1]], scalars: $0.element) },
            accumulators: accumulators,
            gradients: regularisedGradients(accumulators, m: m, lambda: lambda),
            cost: cost(hypothesis: activations[layers - 1], labels: labels, lambda: lambda))
    }

    /// Backpropagation in the vectorised batch form, one matrix product per step:
    ///
    ///     A(1) = [1 | X];   Z(l+1) = A(l)·Θ(l)ᵀ;   A(l+1) = [1 | g(Z(l+1))]
    ///     δ(L) = A(L) − Y;   δ(l) = (δ(l+1)·Θ(l))[:, 1…] ⊙ A(l)[:, 1…] ⊙ (1 − A(l)[:, 1…])
    ///     Δ(l) = δ(l+1)ᵀ·A(l);   D(l) as in the loop form
    ///
    /// The products go through ``Tensors/matmul(_:transposed:_:transposed:file:line:)``,
    /// whose sums run in the order of the loop form (Note [Reference summation order]): the
    /// two forms agree bit for bit.
    /// - Parameters: as ``backpropagateExampleByExample(inputs:labels:lambda:file:line:)``.
    /// - Complexity: O(m · number of weights).
    public func backpropagateVectorised(
        inputs: Tensor<Scalar>, labels: Tensor<Scalar>, lambda: Scalar,
        file: StaticString = #fileID, line: UInt = #line
    ) -> CrossEntropyBackprop<Scalar> {
        checkBatch(inputs, labels, "CrossEntropyNetwork.backpropagateVectorised", file: file, line: line)
        let layers = thetas.count + 1, m = inputs.shape[0]
        var activations = [inputs.prependingBiasColumn()]
        var z = [Tensor<Scalar>]()
        for (l, theta) in thetas.enumerated() {
            let zl = matmul(activations[l], theta, transposingB: true)
            let g = sigmoid(zl)
            z.append(zl)
            activations.append(l == thetas.count - 1 ? g : g.prependingBiasColumn())
        }
        var deltas = [Tensor<Scalar>](repeating: Tensor(zeros: [0]), count: layers - 1)
        deltas[layers - 2] = activations[layers - 1] - labels
        var l = layers - 1
        while l >= 2 {
            let a = activations[l - 1]
            let g = a.slice(1..<a.shape[1], alongAxis: 1)
            let back = matmul(deltas[l - 1], thetas[l - 1]).slice(1..<a.shape[1], alongAxis: 1)
            deltas[l - 2] = back * (g * (1 - g))
            l -= 1
        }
        let accumulators = (1..<layers).map { l in matmul(deltas[l - 1], activations[l - 1], transposingA: true) }
        return CrossEntropyBackprop(
            activations: activations, z: z, deltas: deltas, accumulators: accumulators,
            gradients: regularisedGradients(accumulators, m: m, lambda: lambda),
            cost: cost(hypothesis: activations[layers - 1], labels: labels, lambda: lambda))
    }
}

extension Tensor {
    /// The bias unit prepended to every row: [m, n] → [m, n + 1] with column 0 all ones.
    ///
    ///     a = [1 | x]
    func prependingBiasColumn() -> Tensor {
        concatenate([Tensor(ones: [shape[0], 1]), self], alongAxis: 1)
    }
}
