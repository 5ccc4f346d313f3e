// Linear algebra and shape operations on plain tensors: matmul, transposition, reshaping,
// concatenation.

/// The matrix product, optionally transposing either operand's last two axes first (the GEMM
/// kernel reads the stored matrix transposed; nothing is copied):
///
///     C = op(A)·op(B),   Cᵢⱼ = Σₚ op(A)ᵢₚ·op(B)ₚⱼ
///
/// Operands of rank ≥ 3 are stacks of matrices: their leading (batch) axes broadcast with
/// NumPy's rules and each batch is one product (`[B, T, d]·[B, d, T]`, `[B, T, d]·[d, k]`).
///
/// - Precondition: both are rank ≥ 2, the inner dimensions agree and the batch axes broadcast.
/// - Complexity: O(batches·m·n·k).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func matmul<Scalar>(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, transposingA transposeA: Bool = false, transposingB transposeB: Bool = false,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    let op = "matmul"
    if a.rank < 2 || b.rank < 2 {
        ShapeError.fail(op, shapes: [a.shape, b.shape], detail: "both operands must be rank 2 or more", file: file, line: line)
    }
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1]), (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    if k != k2 {
        let ta = transposeA ? "ᵀ" : "", tb = transposeB ? "ᵀ" : ""
        ShapeError.fail(op, shapes: [a.shape, b.shape],
                        detail: "inner dimensions differ in A\(ta)·B\(tb) (\(k) ≠ \(k2))", file: file, line: line)
    }
    if a.rank > 2 || b.rank > 2 {
        return batchedMatmul(a, b, transposeA, transposeB, m: m, n: n, k: k, file: file, line: line)
    }
    // The GEMM stores every element of C (accumulate: false), so C is not zeroed first; only an
    // empty inner dimension (k = 0, no operand memory) is filled with zeros here.
    let out = Tensor<Scalar>.makeStorage(count: m * n) { pc in
        guard let bc = pc.baseAddress else { return }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard k > 0, let ba = pa.baseAddress, let bb = pb.baseAddress else {
                    bc.initialize(repeating: 0, count: m * n)
                    return
                }
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                     a: ba, lda: a.shape[1], b: bb, ldb: b.shape[1], c: bc, ldc: n, accumulate: false)
            }
        }
    }
    return Tensor(uncheckedShape: [m, n], scalars: out)
}

/// ``matmul(_:_:transposingA:transposingB:file:line:)`` for stacks of matrices: one GEMM per
/// batch of the broadcast batch axes.
func batchedMatmul<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ transposeA: Bool, _ transposeB: Bool,
                                         m: Int, n: Int, k: Int, file: StaticString, line: UInt) -> Tensor<Scalar> {
    let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
    guard let batch = Shape.broadcast(aBatch, bBatch) else {
        ShapeError.fail("matmul", shapes: [a.shape, b.shape], detail: "the batch axes do not broadcast", file: file, line: line)
    }
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1]), (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let count = Shape.count(batch)
    var out = Tensor<Scalar>.zeroedStorage(count: count * m * n)
    // Batch t of the result reads batch t, mapped through broadcasting, of each operand.
    let aOffsets = broadcastOffsets(from: aBatch, to: batch, step: ar * ac)
    let bOffsets = broadcastOffsets(from: bBatch, to: batch, step: br * bc)
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { pc in
                guard let ba = pa.baseAddress, let bb = pb.baseAddress, let base = pc.baseAddress else { return }
                for t in 0..<count {
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         a: ba + aOffsets[t], lda: ac, b: bb + bOffsets[t], ldb: bc, c: base + t * m * n, ldc: n,
                         accumulate: false)
                }
            }
        }
    }
    return Tensor(uncheckedShape: batch + [m, n], scalars: out)
}

/// The element offset of each batch of `target` in an operand whose batch axes `source`
/// broadcast to it, for matrices of `step` elements.
public func broadcastOffsets(from source: [Int], to target: [Int], step: Int) -> [Int] {
    let count = Shape.count(target)
    if source == target { return (0..<count).map { $0 * step } }
    let lead = target.count - source.count
    let strides = Shape.strides(source)
    return (0..<count).map { t in
        var r = t, offset = 0
        for axis in stride(from: target.count - 1, through: 0, by: -1) {
            let i = r % target[axis]
            r /= target[axis]
            let s = axis - lead
            if s >= 0 && source[s] != 1 { offset += i * strides[s] }
        }
        return offset * step
    }
}

extension Tensor {
    /// The matrix product `self · other` (the method form of ``matmul(_:_:transposingA:transposingB:file:line:)``):
    ///
    ///     Cᵢⱼ = Σₚ selfᵢₚ·otherₚⱼ
    ///
    /// - Precondition: both are rank 2 and `self.shape[1] == other.shape[0]`.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensors.matmul(self, other, file: file, line: line)
    }

    /// Adds a bias row vector to every row of a matrix:
    ///
    ///     zᵢⱼ = xᵢⱼ + bⱼ
    ///
    /// - Parameter bias: shape [n] or [1, n] for a self of shape [m, n].
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func addingBias(_ bias: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let n = rank == 2 ? shape[1] : -1
        if n < 0 || !(bias.shape == [n] || bias.shape == [1, n]) {
            ShapeError.fail("addBias", shapes: [shape, bias.shape],
                            detail: "needs a matrix [m, n] and a bias [n] or [1, n]", file: file, line: line)
        }
        return adding(bias, file: file, line: line)
    }
}

extension Tensor {
    /// The matrix transpose of a rank-2 tensor (the axes reversed, for any rank).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        transposed(permutation: Array((0..<rank).reversed()), file: file, line: line)
    }

    /// The axes reordered: result axis i is this tensor's axis `permutation[i]`.
    ///
    ///     y[i₀, …] = x[i_{π⁻¹(0)}, …],   shape(y)ᵢ = shape(x)_{π(i)}
    ///
    /// - Precondition: `permutation` is a permutation of 0..<rank.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func transposed(permutation: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if permutation.sorted() != Array(0..<rank) {
            ShapeError.fail("transposed", shapes: [shape], detail: "\(permutation) is not a permutation of the axes",
                            file: file, line: line)
        }
        if rank < 2 || permutation == Array(0..<rank) { return self }
        let outShape = permutation.map { shape[$0] }
        // No elements: nothing to move (and no loop over a huge dimension beside a zero one).
        if count == 0 { return Tensor(uncheckedShape: outShape, scalars: []) }
        let inStrides = Shape.strides(shape)
        let strides = permutation.map { inStrides[$0] }  // input stride for each output axis
        let n = count
        if rank == 2 {
            let rows = outShape[0], cols = outShape[1]
            let out = [Scalar](unsafeUninitializedCapacity: n) { buf, initialized in
                scalars.withUnsafeBufferPointer { x in
                    // Blocked so that both sides stay in cache for large matrices.
                    let block = 32
                    for i0 in stride(from: 0, to: rows, by: block) {
                        for j0 in stride(from: 0, to: cols, by: block) {
                            for i in i0..<Swift.min(i0 + block, rows) {
                                for j in j0..<Swift.min(j0 + block, cols) { buf[i * cols + j] = x[j * rows + i] }
                            }
                        }
                    }
                }
                initialized = n
            }
            return Tensor(uncheckedShape: outShape, scalars: out)
        }
        let out = [Scalar](unsafeUninitializedCapacity: n) { buf, initialized in
            scalars.withUnsafeBufferPointer { x in
                var index = [Int](repeating: 0, count: rank)
                var src = 0
                for o in 0..<n {
                    buf[o] = x[src]
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        src += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        src -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
            initialized = n
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }

    /// The same elements in the same order with a new shape. One dimension may be −1: it is
    /// inferred from the element count.
    /// - Precondition: the element counts agree.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let resolved = Tensor.resolvedReshape(newShape, count: count, from: shape, file: file, line: line)
        return Tensor(uncheckedShape: resolved, scalars: scalars)
    }

    /// Resolves a −1 in a target shape and checks the element count.
    static func resolvedReshape(_ newShape: [Int], count: Int, from shape: [Int],
                                file: StaticString, line: UInt) -> [Int] {
        var resolved = newShape
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if unknown.count > 1 || newShape.contains(where: { $0 < -1 }) {
            ShapeError.fail("reshaped", shapes: [shape, newShape], detail: "at most one −1 and no other negative size",
                            file: file, line: line)
        }
        if let u = unknown.first, known > 0, count % known == 0 { resolved[u] = count / known }
        if Shape.count(resolved) != count || resolved.contains(-1) {
            ShapeError.fail("reshaped", shapes: [shape, newShape],
                            detail: "element counts differ (\(count) vs \(Shape.count(resolved)))", file: file, line: line)
        }
        return resolved
    }
}

/// Joins tensors along an axis: all shapes must agree except along `axis`.
///
///     y = [x₀ | x₁ | …] along axis
///
/// - Precondition: at least one tensor; equal ranks; equal dimensions except along `axis`.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func concatenate<Scalar>(
    _ tensors: [Tensor<Scalar>], alongAxis axis: Int,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    guard let first = tensors.first else {
        ShapeError.fail("concatenate", shapes: [], detail: "no tensors to join", file: file, line: line)
    }
    guard let a = Shape.normalizedAxis(axis, rank: first.rank) else {
        ShapeError.fail("concatenate", shapes: tensors.map(\.shape),
                        detail: "axis \(axis) is out of range for rank \(first.rank)", file: file, line: line)
    }
    for t in tensors where t.rank != first.rank
        || t.shape.enumerated().contains(where: { $0.offset != a && $0.element != first.shape[$0.offset] }) {
        ShapeError.fail("concatenate", shapes: tensors.map(\.shape),
                        detail: "shapes must agree except along axis \(a)", file: file, line: line)
    }
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    var out = [Scalar]()
    out.reserveCapacity(Shape.count(outShape))
    for o in 0..<outer {
        for t in tensors {
            let chunk = t.shape[a] * inner
            out.append(contentsOf: t.scalars[(o * chunk)..<((o + 1) * chunk)])
        }
    }
    return Tensor(uncheckedShape: outShape, scalars: out)
}

extension Tensor {
    /// The slice `range` along `axis` (a contiguous block, copied); the inverse of concatenation.
    /// - Precondition: the range lies within the axis.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func slice(_ range: Range<Int>, alongAxis axis: Int,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard let a = Shape.normalizedAxis(axis, rank: rank), range.lowerBound >= 0, range.upperBound <= shape[a] else {
            ShapeError.fail("slice", shapes: [shape], detail: "range \(range) along axis \(axis) is out of bounds",
                            file: file, line: line)
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = range.count
        var out = [Scalar]()
        out.reserveCapacity(Shape.count(outShape))
        for o in 0..<outer {
            let base = (o * shape[a] + range.lowerBound) * inner
            out.append(contentsOf: scalars[base..<(base + range.count * inner)])
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }
}
