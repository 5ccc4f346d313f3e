import Dispatch

/// General matrix multiply on raw row-major buffers, the kernel behind every `matmul` and
/// its two VJP products:
///
///     C ← op(A)·op(B) (+ C if accumulating),   op(X) = X or Xᵀ
///
/// with op(A) m × k and op(B) k × n. `lda`, `ldb`, `ldc` are the row strides of the stored
/// matrices (A is stored m × k, or k × m when transposed; likewise B).
///
/// Note [Deterministic GEMM]: every element C[i, j] is computed by one thread, which adds the
/// products A[i, p]·B[p, j] in increasing p, starting from 0 (or from C when accumulating,
/// in which case the finished dot product is added to C). The same sum in the same order
/// whatever the transposition flags, and work is split across threads by rows of C only:
/// the result is bit-for-bit the same for any thread count and any of the three products.
///
/// - Complexity: O(m·n·k).
@inlinable
public func gemm<Scalar: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
    c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool
) {
    if m == 0 || n == 0 { return }
    let threads = Parallelism.threads
    let rowsPerTask = Swift.max(1, m / (4 * threads))
    let tasks = m * n * k < 1 << 18 || threads == 1 ? 1 : (m + rowsPerTask - 1) / rowsPerTask
    let job = GEMMJob(transposeA: transposeA, transposeB: transposeB, n: n, k: k,
                      a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    if tasks <= 1 {
        job.rows(0, m)
    } else {
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            job.rows(t * rowsPerTask, Swift.min(m, (t + 1) * rowsPerTask))
        }
    }
}

/// One GEMM call's operands, shared read-only by the threads that compute disjoint rows of C.
@usableFromInline
struct GEMMJob<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline let transposeA: Bool, transposeB: Bool, n: Int, k: Int
    @usableFromInline let a: UnsafePointer<Scalar>, lda: Int
    @usableFromInline let b: UnsafePointer<Scalar>, ldb: Int
    @usableFromInline let c: UnsafeMutablePointer<Scalar>, ldc: Int
    @usableFromInline let accumulate: Bool

    @inlinable init(transposeA: Bool, transposeB: Bool, n: Int, k: Int, a: UnsafePointer<Scalar>, lda: Int,
                    b: UnsafePointer<Scalar>, ldb: Int, c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool) {
        self.transposeA = transposeA; self.transposeB = transposeB; self.n = n; self.k = k
        self.a = a; self.lda = lda; self.b = b; self.ldb = ldb; self.c = c; self.ldc = ldc
        self.accumulate = accumulate
    }

    /// Computes rows lo..<hi of C.
    @inlinable func rows(_ lo: Int, _ hi: Int) {
        var acc = [Scalar](repeating: 0, count: n)
        acc.withUnsafeMutableBufferPointer { s in
            for i in lo..<hi {
                for j in 0..<n { s[j] = 0 }
                if transposeB {
                    // s[j] = Σₚ A[i, p]·B[j, p]: dot products of contiguous rows.
                    for j in 0..<n {
                        let bj = b + j * ldb
                        var d: Scalar = 0
                        if transposeA {
                            for p in 0..<k { d += a[p * lda + i] * bj[p] }
                        } else {
                            let ai = a + i * lda
                            for p in 0..<k { d += ai[p] * bj[p] }
                        }
                        s[j] = d
                    }
                } else {
                    // s accumulates A[i, p]·(row p of B), in increasing p.
                    for p in 0..<k {
                        let aip = transposeA ? a[p * lda + i] : a[i * lda + p]
                        let bp = b + p * ldb
                        for j in 0..<n { s[j] += aip * bp[j] }
                    }
                }
                let ci = c + i * ldc
                if accumulate {
                    for j in 0..<n { ci[j] += s[j] }
                } else {
                    for j in 0..<n { ci[j] = s[j] }
                }
            }
        }
    }
}
