// Linear algebra and shape operations on plain tensors: matmul, transposition, reshaping,
// concatenation.

/// The matrix product of two rank-2 tensors, optionally transposing either operand first
/// (the GEMM kernel reads the stored matrix transposed; nothing is copied):
///
///     C = op(A)·op(B),   Cᵢⱼ = Σₚ op(A)ᵢₚ·op(B)ₚⱼ
///
/// - Precondition: both are rank 2 and the inner dimensions agree.
/// - Complexity: O(m·n·k).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func matmul<Scalar>(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, transposingA transposeA: Bool = false, transposingB transposeB: Bool = false,
    file: StaticString = #fileID, line: UInt = #line
) -> Tensor<Scalar> {
    let op = "matmul"
    if a.rank != 2 || b.rank != 2 {
        ShapeError.fail(op, shapes: [a.shape, b.shape], detail: "both operands must be rank 2", file: file, line: line)
    }
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    if k != k2 {
        let ta = transposeA ? "ᵀ" : "", tb = transposeB ? "ᵀ" : ""
        ShapeError.fail(op, shapes: [a.shape, b.shape],
                        detail: "inner dimensions differ in A\(ta)·B\(tb) (\(k) ≠ \(k2))", file: file, line: line)
    }
    var out = Tensor<Scalar>.zeroedStorage(count: m * n)
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { pc in
                guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else { return }
                gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                     a: ba, lda: a.shape[1], b: bb, ldb: b.shape[1], c: bc, ldc: n, accumulate: false)
            }
        }
    }
    return Tensor(uncheckedShape: [m, n], scalars: out)
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
