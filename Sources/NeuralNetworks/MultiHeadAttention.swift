import Autodiff
import Tensors

/// Multi-head scaled dot-product attention (PyTorch's `nn.MultiheadAttention(batch_first: True)`,
/// same parameters, layouts and state_dict names):
///
///     [Q | K | V] = [q·W_qᵀ + b_q | k·W_kᵀ + b_k | v·W_vᵀ + b_v]   W = in_proj_weight [3E, E]
///     headₕ = softmax(QₕKₕᵀ/√d + M) Vₕ                              d = E/H, h = 1 … H
///     y = [head₁ | … | head_H]·W_oᵀ + b_o                            out_proj (a ``Dense``)
///
/// q: [B, T, E], k and v: [B, S, E], y: [B, T, E]. M is 0 where a query may attend to a key
/// and −∞ where it may not: the causal mask hides keys j > i, the key padding mask hides the
/// keys marked nonzero ([B, S], PyTorch's `True` = padding). Masked scores are replaced by −∞
/// with ``select(_:_:_:file:line:)`` before the (max-subtracting, so stable) softmax: they get
/// exact-zero weights and exact-zero adjoints, at every order. A query whose every key is
/// masked gets all-zero weights (its head outputs are 0), as PyTorch's scaled-dot-product
/// path gives, instead of 0/0. Attention dropout (PyTorch's `dropout`) applies to the weights in
/// training. Composed of differentiable ops only: differentiable to any order.
///
/// W starts Glorot-uniform, out_proj's weight uniform in ±1/√E, every bias 0 (PyTorch's init).
public final class MultiHeadAttention<Scalar: TensorScalar>: Layer {
    /// [W_q; W_k; W_v], [3E, E] (`"in_proj_weight"`, PyTorch's layout).
    public let inputProjectionWeight: Parameter<Scalar>
    /// [b_q; b_k; b_v], [3E] (`"in_proj_bias"`).
    public let inputProjectionBias: Parameter<Scalar>
    /// The output projection W_o, b_o. Named `out_proj` as PyTorch's attribute, so that the
    /// state_dict keys are `"out_proj.weight"` and `"out_proj.bias"`.
    public let out_proj: Dense<Scalar>
    /// Dropout on the attention weights (identity in evaluation or at rate 0).
    public let attentionDropout: Dropout<Scalar>
    /// H, the number of heads.
    public let headCount: Int

    /// E, the model width.
    public var embeddingSize: Int { inputProjectionWeight.value.shape[1] }

    /// A layer from explicit values, in PyTorch's layouts (W_o [E, E] as `out_proj.weight`).
    /// - Precondition: W is [3E, E], b is [3E], W_o is [E, E], b_o is [E] and H divides E.
    public init(inputProjectionWeight w: Tensor<Scalar>, inputProjectionBias b: Tensor<Scalar>,
                outputProjectionWeight wo: Tensor<Scalar>, outputProjectionBias bo: Tensor<Scalar>, headCount: Int,
                dropout: Double = 0, seed: UInt64 = 0, file: StaticString = #fileID, line: UInt = #line) {
        let e = w.shape.last ?? 0
        if w.shape != [3 * e, e] || b.shape != [3 * e] || wo.shape != [e, e] || bo.shape != [e]
            || headCount < 1 || e % headCount != 0 {
            ShapeError.fail("MultiHeadAttention", shapes: [w.shape, b.shape, wo.shape, bo.shape],
                            detail: "needs in_proj_weight [3E, E], in_proj_bias [3E], out_proj [E, E] and [E], "
                                + "and \(headCount) heads dividing E", file: file, line: line)
        }
        inputProjectionWeight = Parameter(name: "in_proj_weight", role: .weight, value: w)
        inputProjectionBias = Parameter(name: "in_proj_bias", role: .bias, value: b)
        out_proj = Dense(weight: wo.transposed(), bias: bo, activation: .identity, file: file, line: line)
        attentionDropout = Dropout(rate: dropout, seed: seed, file: file, line: line)
        self.headCount = headCount
    }

    /// A layer of width E with H heads and PyTorch's initialisation, drawn from `generator`
    /// (the attention dropout's masks from the generator's next number).
    public convenience init(embeddingSize e: Int, headCount: Int, dropout: Double = 0,
                            using generator: inout SeededGenerator) {
        let w: Tensor<Scalar> = Initializer.glorotUniform.tensor(shape: [3 * e, e], fanIn: e, fanOut: 3 * e, using: &generator)
        let bound = 1 / Double(Swift.max(e, 1)).squareRoot()
        let wo: Tensor<Scalar> = Initializer.uniform(epsilon: bound).tensor(shape: [e, e], fanIn: e, fanOut: e, using: &generator)
        self.init(inputProjectionWeight: w, inputProjectionBias: Tensor(zeros: [3 * e]), outputProjectionWeight: wo,
                  outputProjectionBias: Tensor(zeros: [e]), headCount: headCount, dropout: dropout, seed: generator.next())
    }

    /// Self-attention without masks: y = attention(x, x, x).
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        self(query: x, key: x, value: x, causal: false, keyPaddingMask: nil)
    }

    /// Self-attention, q = k = v = x, with the masks given.
    public func callAsFunction(_ x: Variable<Scalar>, causal: Bool, keyPaddingMask: Tensor<Scalar>? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        self(query: x, key: x, value: x, causal: causal, keyPaddingMask: keyPaddingMask, file: file, line: line)
    }

    /// Attention of `query` [B, T, E] over `key` and `value` [B, S, E]: [B, T, E].
    /// - Parameters:
    ///   - causal: hide key j from query i when j > i (PyTorch's `triu(ones(T, S), 1)` mask).
    ///   - keyPaddingMask: [B, S]; nonzero hides that key from every query of its example.
    /// - Precondition: the inputs are rank 3 with last axis E, key and value have one shape,
    ///   the batch sizes agree, and the mask is [B, S].
    public func callAsFunction(query: Variable<Scalar>, key: Variable<Scalar>, value: Variable<Scalar>,
                               causal: Bool = false, keyPaddingMask: Tensor<Scalar>? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let e = embeddingSize, h = headCount, d = e / h
        if query.rank != 3 || key.rank != 3 || query.shape[2] != e || key.shape != value.shape || key.shape[2] != e
            || key.shape[0] != query.shape[0] {
            ShapeError.fail("MultiHeadAttention", shapes: [query.shape, key.shape, value.shape],
                            detail: "needs query [B, T, \(e)] and key, value [B, S, \(e)]", file: file, line: line)
        }
        let (batch, t, s) = (query.shape[0], query.shape[1], key.shape[1])
        let tape = query.tape
        let w = inputProjectionWeight.variable(on: tape), b = inputProjectionBias.variable(on: tape)
        /// Rows [B·n, E] projected by rows `part` of W and b, split into heads: [B, H, n, d].
        func project(_ x: Variable<Scalar>, _ parts: Range<Int>) -> [Variable<Scalar>] {
            let n = x.shape[1], rows = (parts.lowerBound * e)..<(parts.upperBound * e)
            let wp = parts.count == 3 ? w : w.slice(rows, alongAxis: 0, file: file, line: line)
            let bp = parts.count == 3 ? b : b.slice(rows, alongAxis: 0, file: file, line: line)
            let y = matmul(x.reshaped(to: [batch * n, e], file: file, line: line), wp, transposingB: true, file: file, line: line)
                .addingBias(bp, file: file, line: line)
            let pieces = parts.count == 1 ? [y] : y.split(sizes: Array(repeating: e, count: parts.count), alongAxis: 1,
                                                          file: file, line: line)
            return pieces.map {
                $0.reshaped(to: [batch, n, h, d], file: file, line: line).transposed(permutation: [0, 2, 1, 3], file: file, line: line)
            }
        }
        let (q, k, v): (Variable<Scalar>, Variable<Scalar>, Variable<Scalar>)
        if query.index == key.index && key.index == value.index {
            let qkv = project(query, 0..<3)  // self-attention: one product with all of W
            (q, k, v) = (qkv[0], qkv[1], qkv[2])
        } else {
            (q, k, v) = (project(query, 0..<1)[0], project(key, 1..<2)[0], project(value, 2..<3)[0])
        }
        var scores = matmul(q, k, transposingB: true, file: file, line: line) * Scalar(1 / Double(d).squareRoot())
        var rowHasKey: Tensor<Scalar>?
        if let allowed = AttentionMask.allowed(batch: batch, queries: t, keys: s, causal: causal,
                                               keyPaddingMask: keyPaddingMask, file: file, line: line) {
            scores = select(allowed.condition, scores, -Scalar.infinity, file: file, line: line)
            rowHasKey = allowed.rowHasKey
        }
        var weights = softmax(scores, alongAxis: -1, file: file, line: line)
        if let rowHasKey { weights = weights.multiplied(by: tape.constant(rowHasKey), file: file, line: line) }
        let heads = matmul(attentionDropout(weights), v, file: file, line: line)  // [B, H, T, d]
        let joined = heads.transposed(permutation: [0, 2, 1, 3], file: file, line: line).reshaped(to: [batch * t, e], file: file, line: line)
        return out_proj(joined).reshaped(to: [batch, t, e], file: file, line: line)
    }
}

/// Which scores attention keeps, from the causal flag and the key padding mask.
enum AttentionMask {
    /// The condition [B or 1, 1, T, S] (1 = keep the score, 0 = −∞) and, when some query has
    /// no key left, the [B or 1, 1, T, 1] factor (0 for those rows) that zeroes their weights;
    /// `nil` when nothing is masked. A fully masked row's condition is set to keep everything,
    /// so that its softmax stays finite before the factor zeroes it.
    static func allowed<Scalar: TensorScalar>(batch: Int, queries t: Int, keys s: Int, causal: Bool,
                                              keyPaddingMask: Tensor<Scalar>?, file: StaticString,
                                              line: UInt) -> (condition: Tensor<Scalar>, rowHasKey: Tensor<Scalar>?)? {
        if let m = keyPaddingMask, m.shape != [batch, s] {
            ShapeError.fail("MultiHeadAttention", shapes: [m.shape, [batch, s]],
                            detail: "the key padding mask must be [B, S] (batch, keys)", file: file, line: line)
        }
        if !causal && keyPaddingMask == nil { return nil }
        let examples = keyPaddingMask == nil ? 1 : batch
        let padding = keyPaddingMask?.scalars
        var keep = [Scalar](repeating: 1, count: examples * t * s)
        var rowHasKey = [Scalar](repeating: 1, count: examples * t)
        var anyEmpty = false
        for n in 0..<examples {
            for i in 0..<t {
                let row = (n * t + i) * s
                for j in 0..<s where (causal && j > i) || (padding.map { $0[n * s + j] != 0 } ?? false) { keep[row + j] = 0 }
                if !keep[row..<(row + s)].contains(1) {
                    for j in 0..<s { keep[row + j] = 1 }
                    rowHasKey[n * t + i] = 0
                    anyEmpty = true
                }
            }
        }
        return (Tensor(shape: [examples, 1, t, s], scalars: keep),
                anyEmpty ? Tensor(shape: [examples, 1, t, 1], scalars: rowHasKey) : nil)
    }
}
