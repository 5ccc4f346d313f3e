import Tensors

// The matrix product: its forms (transposes absorbed by GEMM, masking of an upstream operand),
// its kernel, its rule, and the public function.

/// How a recorded matrix product reads its operands: C = op(A)·op(B), and whether one operand
/// is an upstream adjoint whose zeros contribute exactly 0 (Note [Zero upstream]).
@usableFromInline
struct MatmulForm: Hashable, Sendable {
    /// Which operand's exact zeros contribute exactly 0, even against ±∞ or NaN.
    enum Masking: UInt8, Sendable {
        case none, first, second
        /// Both operands are adjoints with structural zeros (the rule of a masked product).
        case both
    }
    var transposingA = false
    var transposingB = false
    var masking = Masking.none

    /// C = op(A)·op(B) by the blocked GEMM.
    ///
    /// Note [Masked matmul]: a rule's product such as Ā = C̄·Bᵀ must give 0 where C̄ is 0 even
    /// if B holds ∞ (0·∞ = NaN otherwise). Skipping those terms changes nothing when no product
    /// is 0·∞ (adding ±0 to a GEMM chain that starts at +0 leaves it unchanged), and a 0·∞ term
    /// always turns its element into NaN. So the fast GEMM runs first and, only when its result
    /// holds a NaN, the product is recomputed by the reference chain (Note [Deterministic GEMM])
    /// with the zero terms skipped: the same bits as the GEMM everywhere else.
    func forward<S>(_ a: Tensor<S>, _ b: Tensor<S>, file: StaticString, line: UInt) -> Tensor<S> {
        let c = matmul(a, b, transposingA: transposingA, transposingB: transposingB, file: file, line: line)
        if masking == .none { return c }
        return c.withUnsafeBufferPointer(Self.containsNaN) ? maskedProduct(a, b, shape: c.shape) : c
    }

    /// Whether any element is NaN, at vector speed: Σ (x − x) over 16 lanes is 0 unless some x is
    /// NaN or ±∞, and only then are the elements looked at one by one (∞ alone is no NaN).
    static func containsNaN<S: TensorScalar>(_ p: UnsafeBufferPointer<S>) -> Bool {
        guard let base = p.baseAddress else { return false }
        var acc = SIMD16<S>(repeating: 0)
        var i = 0
        while i + 16 <= p.count {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<S>.self)
            acc += v - v
            i += 16
        }
        var any = false
        for k in 0..<16 where acc[k] != 0 { any = true }
        for k in i..<p.count where p[k] != p[k] { return true }
        return any && p.contains { $0.isNaN }
    }

    /// The reference chain of every element with the masked operand's zero terms skipped, batch
    /// by batch (the batch axes broadcast as in the forward).
    func maskedProduct<S>(_ a: Tensor<S>, _ b: Tensor<S>, shape: [Int]) -> Tensor<S> {
        let (m, n) = (shape[shape.count - 2], shape[shape.count - 1])
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1]), (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let k = transposingA ? ar : ac
        let (ai, ap) = transposingA ? (1, ac) : (ac, 1)
        let (bp, bj) = transposingB ? (1, bc) : (bc, 1)
        let batch = Array(shape.dropLast(2))
        let aOffsets = broadcastOffsets(from: Array(a.shape.dropLast(2)), to: batch, step: ar * ac)
        let bOffsets = broadcastOffsets(from: Array(b.shape.dropLast(2)), to: batch, step: br * bc)
        let x = a.scalars, y = b.scalars
        let skipU = masking == .first || masking == .both, skipV = masking == .second || masking == .both
        var out = [S](repeating: 0, count: Shape.count(shape))
        for t in 0..<Shape.count(batch) {
            let (xa, yb) = (aOffsets[t], bOffsets[t])
            for i in 0..<m {
                for j in 0..<n {
                    var s: S = 0
                    for p in 0..<k {
                        let u = x[xa + i * ai + p * ap], v = y[yb + p * bp + j * bj]
                        if (skipU && u == 0) || (skipV && v == 0) { continue }
                        s += u * v
                    }
                    out[(t * m + i) * n + j] = s
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// (Ā, B̄) from C̄: each a product of C̄ with the other operand, C̄ masked.
    ///
    ///     C = A·B:    Ā = C̄·Bᵀ,   B̄ = Aᵀ·C̄        C = A·Bᵀ:   Ā = C̄·B,    B̄ = C̄ᵀ·A
    ///     C = Aᵀ·B:   Ā = B·C̄ᵀ,   B̄ = A·C̄         C = Aᵀ·Bᵀ:  Ā = Bᵀ·C̄ᵀ,  B̄ = C̄ᵀ·Aᵀ
    ///
    /// When this product was itself masked (a rule's product), the operand it masked is an
    /// adjoint with structural zeros; a product that uses it as the other factor masks both.
    func pullback<A: DerivativeAlgebra>(_ g: A, _ a: A, _ b: A, needs: (Bool, Bool)) -> (A?, A?) {
        let aMasked = masking == .first || masking == .both, bMasked = masking == .second || masking == .both
        // Ā's products pair C̄ with b, B̄'s pair C̄ with a.
        func product(_ x: A, _ y: A, _ tx: Bool, _ ty: Bool, upstreamFirst: Bool, otherMasked: Bool) -> A {
            let m: Masking = otherMasked ? .both : (upstreamFirst ? .first : .second)
            return A.matmulOp(x, y, MatmulForm(transposingA: tx, transposingB: ty, masking: m))
        }
        let ga: A?, gb: A?
        switch (transposingA, transposingB) {
        case (false, false):
            ga = needs.0 ? product(g, b, false, true, upstreamFirst: true, otherMasked: bMasked) : nil
            gb = needs.1 ? product(a, g, true, false, upstreamFirst: false, otherMasked: aMasked) : nil
        case (false, true):
            ga = needs.0 ? product(g, b, false, false, upstreamFirst: true, otherMasked: bMasked) : nil
            gb = needs.1 ? product(g, a, true, false, upstreamFirst: true, otherMasked: aMasked) : nil
        case (true, false):
            ga = needs.0 ? product(b, g, false, true, upstreamFirst: false, otherMasked: bMasked) : nil
            gb = needs.1 ? product(a, g, false, false, upstreamFirst: false, otherMasked: aMasked) : nil
        case (true, true):
            ga = needs.0 ? product(b, g, true, true, upstreamFirst: false, otherMasked: bMasked) : nil
            gb = needs.1 ? product(g, a, true, true, upstreamFirst: true, otherMasked: aMasked) : nil
        }
        // Batch axes that were broadcast are summed back.
        if a.shape.count == 2 && b.shape.count == 2 { return (ga, gb) }
        return (ga?.summed(toShape: a.shape), gb?.summed(toShape: b.shape))
    }
}

/// The matrix product of two variables of rank ≥ 2; leading (batch) axes broadcast, each batch
/// one product (`[B, T, d]·[B, d, T]`, `[B, T, d]·[d, k]`).
///
///     C = A·B;   Ā = Σ_broadcast C̄·Bᵀ,   B̄ = Σ_broadcast Aᵀ·C̄
///
/// The transposes are absorbed by the GEMM kernel, never materialised; a zero of C̄ contributes
/// exactly 0 even against an infinite factor (Note [Masked matmul]).
/// - Precondition: both are rank ≥ 2, A's columns equal B's rows, and the batch axes broadcast.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
/// - Parameters:
///   - transposingA: use Aᵀ (its last two axes swapped), e.g. for Q·Kᵀ with `transposingB`.
public func matmul<S>(_ a: Variable<S>, _ b: Variable<S>, transposingA: Bool = false, transposingB: Bool = false,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkSameTape(a, b, "matmul", file: file, line: line)
    let form = MatmulForm(transposingA: transposingA, transposingB: transposingB)
    return a.tape.record(.matmul(a.index, b.index, form), value: form.forward(a.value, b.value, file: file, line: line),
                         needsGradient: a.needsGradient || b.needsGradient, file: file, line: line)
}

extension Variable {
    /// The matrix product (see ``matmul(_:_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func matmul(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Autodiff.matmul(self, other, file: file, line: line)
    }
}
