import Dispatch

/// General matrix multiply on raw row-major buffers, the kernel behind every `matmul` and
/// its two VJP products:
///
///     C ← op(A)·op(B) (+ C if accumulating),   op(X) = X or Xᵀ
///
/// with op(A) m × k and op(B) k × n. `lda`, `ldb`, `ldc` are the row strides of the stored
/// matrices (A is stored m × k, or k × m when transposed; likewise B). The transposes are
/// absorbed by packing: nothing is materialised.
///
/// Note [Deterministic GEMM]: every element C[i, j] is one sequential fused multiply-add chain
///
///     var s: Scalar = 0
///     for p in 0..<k { s = s.addingProduct(op(A)[i, p], op(B)[p, j]) }   // one rounding per p
///     C[i, j] = s          // or, when accumulating, C[i, j] += s
///
/// bit for bit (``gemmReference(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulate:)``
/// is that loop, and the tests compare with it). The blocked kernels keep this promise
/// because they are outer-product kernels: each accumulator lane belongs to one C[i, j] and
/// receives its k products one at a time in increasing p, starting from 0, each by one FMA;
/// a k-block stores its partial sums to C and the next k-block reloads them and continues the
/// same chain (when accumulating over several k-blocks, the chain runs in a scratch buffer and
/// is added to C at the end). Threads own disjoint tiles of C and never split a dot product.
/// So the result does not depend on the thread count, the transposition flags, the blocking,
/// the micro-kernel (Swift SIMD, or the C kernels for AVX2+FMA and AVX-512F chosen by
/// ``GEMMKernels``), or whether the small-product path or the blocked path ran — which the
/// δ-rule oracle relies on: its dot products are the same `addingProduct` chains.
///
/// FMA, not a multiply and an add, because it is what the wide kernels do at full speed, and
/// every CPU we target has it: x86-64 since Haswell (2013) and arm64's NEON. On an x86-64
/// without FMA the Swift kernel still gives the same bits, through libm's `fma`, slowly.
///
/// - Complexity: O(m·n·k) time; O(k·n) packing scratch for large products, taken from a bounded
///   pool that keeps it for the next call (``ScratchMemory``, Note [Scratch cache]).
@inlinable
public func gemm<Scalar: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
    c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool
) {
    gemm(using: GEMMKernels.active, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
         a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
}

/// ``gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulate:)`` through a chosen
/// micro-kernel (the public one passes ``GEMMKernels/active``; the tests pass each kernel in turn
/// while other tests run). Scalars other than Float and Double always take the reference loop.
/// - Precondition: `kernel` is in ``GEMMKernels/available``.
@usableFromInline
func gemm<Scalar: TensorScalar>(
    using kernel: GEMMKernel, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
    c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool
) {
    precondition(GEMMKernels.available.contains(kernel), "gemm: kernel \(kernel) is not available on this machine")
    if m <= 0 || n <= 0 { return }
    if Scalar.self == Double.self {
        gemmDouble(transposeA, transposeB, m, n, k, UnsafeRawPointer(a), lda, UnsafeRawPointer(b), ldb,
                   UnsafeMutableRawPointer(c), ldc, accumulate, kernel)
    } else if Scalar.self == Float.self {
        gemmFloat(transposeA, transposeB, m, n, k, UnsafeRawPointer(a), lda, UnsafeRawPointer(b), ldb,
                  UnsafeMutableRawPointer(c), ldc, accumulate, kernel)
    } else {
        gemmReference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                      a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    }
}

/// The defining loop of ``gemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulate:)``:
/// one sequential dot product per element (see Note [Deterministic GEMM]). Slow; it is the
/// specification that the fast kernel matches bit for bit, and the path for tiny products.
///
/// - Complexity: O(m·n·k).
@inlinable
public func gemmReference<Scalar: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
    c: UnsafeMutablePointer<Scalar>, ldc: Int, accumulate: Bool
) {
    let (ai, ap) = transposeA ? (1, lda) : (lda, 1)   // strides of op(A) along i and p
    let (bp, bj) = transposeB ? (1, ldb) : (ldb, 1)   // strides of op(B) along p and j
    for i in 0..<m {
        for j in 0..<n {
            var s: Scalar = 0
            var pa = a + i * ai, pb = b + j * bj
            for _ in 0..<k {
                s = s.addingProduct(pa.pointee, pb.pointee)
                pa += ap
                pb += bp
            }
            if accumulate { c[i * ldc + j] += s } else { c[i * ldc + j] = s }
        }
    }
}

func gemmDouble(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeRawPointer, _ lda: Int,
                _ b: UnsafeRawPointer, _ ldb: Int, _ c: UnsafeMutableRawPointer, _ ldc: Int, _ accumulate: Bool,
                _ kernel: GEMMKernel, pool: ScratchPool = .shared, threads: Int? = nil) {
    let (a, b, c) = (a.assumingMemoryBound(to: Double.self), b.assumingMemoryBound(to: Double.self),
                     c.assumingMemoryBound(to: Double.self))
    switch kernel {  // gemmBlocked runs the reference loop itself for small products
    #if arch(x86_64)
    case .avx512: gemmBlocked(AVX512DoubleKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    case .avx2: gemmBlocked(AVX2DoubleKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    #endif
    default: gemmBlocked(DoubleKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    }
}

func gemmFloat(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeRawPointer, _ lda: Int,
               _ b: UnsafeRawPointer, _ ldb: Int, _ c: UnsafeMutableRawPointer, _ ldc: Int, _ accumulate: Bool,
               _ kernel: GEMMKernel, pool: ScratchPool = .shared, threads: Int? = nil) {
    let (a, b, c) = (a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self),
                     c.assumingMemoryBound(to: Float.self))
    switch kernel {  // gemmBlocked runs the reference loop itself for small products
    #if arch(x86_64)
    case .avx512: gemmBlocked(AVX512FloatKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    case .avx2: gemmBlocked(AVX2FloatKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    #endif
    default: gemmBlocked(FloatKernel.self, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads: threads, pool: pool)
    }
}

// MARK: - Blocked driver

/// What a micro-kernel does with its tile of C.
enum GEMMTileMode {
    /// C = Σ (the chain starts from 0).
    case store
    /// C = C + … (C holds the partial sums of the previous k-block; the chain continues).
    case resume
    /// C = C + Σ (the chain starts from 0 and the finished sum is added to C).
    case add
}

/// A register-blocked outer-product kernel: an mr × nr tile of C from packed slivers of A
/// (kc steps of mr values, each repeated `width` times so that a broadcast is a plain
/// vector load — SSE2 has no broadcast load; width 1 for the C kernels, which broadcast from
/// memory) and of B (kc steps of nr values).
protocol GEMMMicroKernel {
    associatedtype Scalar: TensorScalar
    static var mr: Int { get }
    static var nr: Int { get }
    static var width: Int { get }
    /// Whether the kernel can read A where it lies (A[r, p] at `a[r·aRow + p·aStep]`) instead
    /// of from a packed sliver (Note [Unpacked A]).
    static var readsUnpackedA: Bool { get }
    /// `aRow`, `aStep`: A[r, p] is `a[r·aRow + p·aStep]` (a packed sliver: 1 and mr·width).
    /// `next`: the C tile the following call touches (a prefetch hint; nil for none).
    static func tile(kc: Int, a: UnsafePointer<Scalar>, aRow: Int, aStep: Int, b: UnsafePointer<Scalar>,
                     c: UnsafeMutablePointer<Scalar>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Scalar>?)
}

// Note [Unpacked A]: packing A pays when each packed sliver is read by many B slivers (n ≫ nr);
// for the skinny products of training steps (X·W₁ with 25 columns, Xᵀ·δ with k = 5000) it is
// read once or twice, and copying all of A cost more than the arithmetic (perf: 38 % of the
// 400-25-10 step in packing, 30 % in the kernel). The C kernels broadcast A's values one at a
// time from memory, so they can read them where they lie, at any strides: A[r, p] at
// a[r·lda + p] (or a[p·lda + r] when transposed). Full mr-row slivers are read in place when
// n ≤ 4·nr; a last, partial sliver is still packed (zero rows beyond m). The arithmetic and its
// order are unchanged: the same FMA chain per element (Note [Deterministic GEMM]).

/// Cache blocking: a kc × nr sliver of B (8 KB) stays in L1, an mc × kc block of packed A
/// (≤ 384 KB with its repeats) in L2, a kc × nc panel of B in L3.
enum GEMMBlocking {
    static let kc = 256
    static let mc = 96
    static let nc = 2048
    /// Up to this many B slivers (n ≤ directA·nr) a C kernel reads A in place (Note [Unpacked A]).
    static let directA = 4
    /// Below this many multiply-adds the reference loop is faster than packing.
    static let smallProduct = 4096
    /// Below this many multiply-adds one thread does the work (measured: a hand-off costs more
    /// than it saves under ~10⁶, e.g. the 128·256·10 products of the 784-256-10 step).
    static let parallelProduct = 1 << 20
    /// Below this many elements of C one thread does the work (e.g. a 25 × 10 weight adjoint
    /// with k = 5000: 20 hand-offs of almost nothing).
    static let parallelOutput = 4096
}

/// The operands of a column-split GEMM, shared read-only between its threads (each writes its
/// own columns of C; Note [Column split]).
struct GEMMColumnSplit<S>: @unchecked Sendable {
    let a: UnsafePointer<S>, b: UnsafePointer<S>, c: UnsafeMutablePointer<S>
}

/// Everything one blocked GEMM call shares between its threads. Threads write disjoint row
/// blocks of C and their own packed-A buffer; the packed B panel is read-only while they run.
struct GEMMWork<K: GEMMMicroKernel>: @unchecked Sendable {
    typealias S = K.Scalar
    let tA: Bool, tB: Bool
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<S>, lda: Int
    let b: UnsafePointer<S>, ldb: Int
    let c: UnsafeMutablePointer<S>, ldc: Int
    let mc: Int, blocks: Int, tasks: Int
    let packedB: UnsafeMutablePointer<S>
    let packedA: UnsafeMutablePointer<S>, packedASize: Int
    let edge: UnsafeMutablePointer<S>

    /// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into nr-wide slivers, zero-padded.
    @inline(__always)
    func packB(p0: Int, kc: Int, j0: Int, nc: Int, into packedB: UnsafeMutablePointer<S>) {
        let nr = K.nr
        var t = 0
        while t * nr < nc {
            let dst = packedB + t * kc * nr
            let jBase = j0 + t * nr
            let cols = Swift.min(nr, j0 + nc - jBase)
            if !tB && cols == nr {
                var src = b + p0 * ldb + jBase
                var d = dst
                for _ in 0..<kc {
                    for q in 0..<nr { d[q] = src[q] }
                    src += ldb
                    d += nr
                }
            } else {
                for q in 0..<nr {
                    if q < cols {
                        let j = jBase + q
                        if tB {
                            let src = b + j * ldb + p0
                            for p in 0..<kc { dst[p * nr + q] = src[p] }
                        } else {
                            let src = b + p0 * ldb + j
                            for p in 0..<kc { dst[p * nr + q] = src[p * ldb] }
                        }
                    } else {
                        for p in 0..<kc { dst[p * nr + q] = 0 }
                    }
                }
            }
            t += 1
        }
    }

    /// Packs op(A)[i0 ..< i0+rows, p0 ..< p0+kc] into mr-tall slivers, each value repeated
    /// `width` times, zero-padded.
    @inline(__always)
    func packA(into dst: UnsafeMutablePointer<S>, i0: Int, rows: Int, p0: Int, kc: Int) {
        let mr = K.mr, w = K.width
        let step = mr * w
        var s = 0
        while s * mr < rows {
            let base = dst + s * kc * step
            if rows - s * mr >= mr {
                // A full sliver: write the packed buffer sequentially, reading mr rows (or, when
                // transposed, mr adjacent elements of each stored row) per k step.
                var d = base
                if tA {
                    var src = a + p0 * lda + i0 + s * mr
                    for _ in 0..<kc {
                        for r in 0..<mr {
                            let v = src[r]
                            for l in 0..<w { d[r * w + l] = v }
                        }
                        src += lda
                        d += step
                    }
                } else {
                    let src = a + (i0 + s * mr) * lda + p0
                    for p in 0..<kc {
                        for r in 0..<mr {
                            let v = src[r * lda + p]
                            for l in 0..<w { d[r * w + l] = v }
                        }
                        d += step
                    }
                }
                s += 1
                continue
            }
            for r in 0..<mr {
                let i = i0 + s * mr + r
                var d = base + r * w
                if s * mr + r < rows {
                    if tA {
                        var src = a + p0 * lda + i
                        for _ in 0..<kc {
                            let v = src.pointee
                            for l in 0..<w { d[l] = v }
                            src += lda
                            d += step
                        }
                    } else {
                        let src = a + i * lda + p0
                        for p in 0..<kc {
                            let v = src[p]
                            for l in 0..<w { d[l] = v }
                            d += step
                        }
                    }
                } else {
                    for _ in 0..<kc {
                        for l in 0..<w { d[l] = 0 }
                        d += step
                    }
                }
            }
            s += 1
        }
    }

    /// Computes the row blocks owned by task `t` for one (k-block, column panel).
    @inline(__always)
    func run(task t: Int, p0: Int, kc: Int, j0: Int, nc: Int, mode: GEMMTileMode, packedB: UnsafeMutablePointer<S>) {
        let mr = K.mr, nr = K.nr, w = K.width
        let pa = packedA + t * packedASize
        let tmp = edge + t * mr * nr
        var block = t
        while block < blocks {
            let i0 = block * mc
            let rows = Swift.min(mc, m - i0)
            if rows <= 0 { break }
            let direct = K.readsUnpackedA && n <= GEMMBlocking.directA * nr
            let full = rows / mr * mr  // rows read in place when direct; a partial last sliver is packed
            if !direct {
                packA(into: pa, i0: i0, rows: rows, p0: p0, kc: kc)
            } else if full < rows {
                packA(into: pa, i0: i0 + full, rows: rows - full, p0: p0, kc: kc)
            }
            var jr = 0
            while jr < nc {
                let cols = Swift.min(nr, nc - jr)
                let bp = packedB + (jr / nr) * kc * nr
                var ir = 0
                while ir < rows {
                    let h = Swift.min(mr, rows - ir)
                    var ap = UnsafePointer<S>(pa + (ir / mr) * kc * mr * w)
                    var aRow = 1, aStep = mr * w
                    if direct {
                        if h == mr {
                            let i = i0 + ir
                            if tA {
                                ap = a + (p0 * lda + i)
                                aStep = lda
                            } else {
                                ap = a + (i * lda + p0)
                                aRow = lda
                                aStep = 1
                            }
                        } else {
                            ap = UnsafePointer(pa)
                        }
                    }
                    let cp = c + (i0 + ir) * ldc + j0 + jr
                    if h == mr && cols == nr {
                        // The next tile down, or the top of the next column sliver.
                        let next: UnsafePointer<S>? = ir + 2 * mr <= rows ? UnsafePointer(cp + mr * ldc)
                            : jr + 2 * nr <= nc ? UnsafePointer(c + i0 * ldc + j0 + jr + nr) : nil
                        K.tile(kc: kc, a: ap, aRow: aRow, aStep: aStep, b: bp, c: cp, ldc: ldc, mode: mode, next: next)
                    } else {
                        // Edge tile: run the same kernel on a full-size scratch tile.
                        if mode == .resume {
                            for r in 0..<h { for q in 0..<cols { tmp[r * nr + q] = cp[r * ldc + q] } }
                        }
                        K.tile(kc: kc, a: ap, aRow: aRow, aStep: aStep, b: bp, c: tmp, ldc: nr,
                               mode: mode == .add ? .store : mode, next: nil)
                        for r in 0..<h {
                            for q in 0..<cols {
                                if mode == .add { cp[r * ldc + q] += tmp[r * nr + q] } else { cp[r * ldc + q] = tmp[r * nr + q] }
                            }
                        }
                    }
                    ir += mr
                }
                jr += nr
            }
            block += tasks
        }
    }
}

/// The packed, cache-blocked GEMM (Goto's loop nest: column panels of B, k-blocks, row
/// blocks of A split over threads, then nr × mr register tiles).
func gemmBlocked<K: GEMMMicroKernel>(
    _: K.Type, _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<K.Scalar>, _ lda: Int, _ b: UnsafePointer<K.Scalar>, _ ldb: Int,
    _ c: UnsafeMutablePointer<K.Scalar>, _ ldc: Int, _ accumulate: Bool, threads maxThreads: Int? = nil,
    pool: ScratchPool = .shared
) {
    typealias S = K.Scalar
    let work = m * n * k
    if work < GEMMBlocking.smallProduct {
        gemmReference(transposeA: tA, transposeB: tB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, accumulate: accumulate)
        return
    }
    let kcMax = GEMMBlocking.kc
    if accumulate && k > kcMax {
        // The chain must finish before it meets C: run it in scratch, then C += s.
        let block = pool.take(bytes: m * n * MemoryLayout<S>.stride)  // Note [Scratch cache]
        defer { pool.give(block) }
        let scratch = block.bound(to: S.self, count: m * n)
        gemmBlocked(K.self, tA, tB, m, n, k, a, lda, b, ldb, scratch, n, false, threads: maxThreads, pool: pool)
        for i in 0..<m {
            let ci = c + i * ldc, si = scratch + i * n
            for j in 0..<n { ci[j] += si[j] }
        }
        return
    }
    let mr = K.mr, nr = K.nr, w = K.width
    // Threads synchronise once per k-block, so C must also be big enough to share (m·n).
    let threads = work < GEMMBlocking.parallelProduct || m * n < GEMMBlocking.parallelOutput
        ? 1 : Swift.max(1, maxThreads ?? Parallelism.threads)
    // Row blocks: at most mc rows, a multiple of mr, and a multiple of the thread count in number.
    var blocks = (m + GEMMBlocking.mc - 1) / GEMMBlocking.mc
    if threads > 1 {
        blocks = Swift.max(blocks, threads)
        blocks = (blocks + threads - 1) / threads * threads
    }
    let mc = ((m + blocks - 1) / blocks + mr - 1) / mr * mr
    blocks = (m + mc - 1) / mc
    let tasks = Swift.min(threads, blocks)
    let kcBlock = Swift.min(k, kcMax)
    let ncMax = GEMMBlocking.nc
    // Note [Private B]: when B's panel is small (n ≤ directA·nr, the skinny products of training
    // steps), each thread packs its own copy and runs every k-block of its rows without waiting for
    // the others: one hand-off per call instead of one per k-block (k = 5000 made 20, and the
    // wake-ups cost 10 % of the 400-25-10 step). Each element's chain is unchanged.
    let privateB = tasks > 1 && n <= GEMMBlocking.directA * nr
    // Note [Column split]: when A is short and B wide (m·tasks ≤ n, e.g. the 784-256-10 step's
    // [128, 784]·[784, 256]), splitting rows leaves each thread a few row blocks per k-block while
    // one thread packs all of B between hand-offs (≈ 30 % of the product here, so two threads ran
    // it slower than one). Each thread instead takes a range of whole nr-wide column slivers and
    // runs the one-thread GEMM on it: it packs only its own part of B and its own copy of the
    // small A, with one hand-off per call. Every element's chain (its k-blocks, in order) is the
    // same as on one thread, so the bits are too.
    if tasks > 1 && !privateB && m * tasks <= n && n >= 2 * tasks * nr {
        let slivers = (n + nr - 1) / nr, perTask = (slivers + tasks - 1) / tasks * nr
        let split = GEMMColumnSplit(a: a, b: b, c: c)
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            let j0 = t * perTask, cols = Swift.min(n - j0, perTask)
            guard cols > 0 else { return }
            gemmBlocked(K.self, tA, tB, m, cols, k, split.a, lda, split.b + (tB ? j0 * ldb : j0), ldb,
                        split.c + j0, ldc, accumulate, threads: 1, pool: pool)
        }
        return
    }
    let packedBSize = (Swift.min(n, ncMax) + nr - 1) / nr * nr * kcBlock + 16
    let packedASize = mc * kcBlock * w
    // One block from the pool holds the three buffers, each on a 64-byte boundary (Note [Scratch cache]).
    let (bCount, aCount, edgeCount) = (packedBSize * (privateB ? tasks : 1), tasks * packedASize + 16, tasks * mr * nr)
    func aligned(_ count: Int) -> Int {
        (count * MemoryLayout<S>.stride + ScratchPool.alignment - 1) / ScratchPool.alignment * ScratchPool.alignment
    }
    let aOffset = aligned(bCount), edgeOffset = aOffset + aligned(aCount)
    let block = pool.take(bytes: edgeOffset + aligned(edgeCount))
    defer { pool.give(block) }
    let packedB = block.bound(to: S.self, count: bCount)
    let packedA = block.bound(to: S.self, offset: aOffset, count: aCount)
    let edge = block.bound(to: S.self, offset: edgeOffset, count: edgeCount)
    let job = GEMMWork<K>(tA: tA, tB: tB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
                          mc: mc, blocks: blocks, tasks: tasks, packedB: packedB,
                          packedA: packedA, packedASize: packedASize, edge: edge)
    if privateB {
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            let mine = job.packedB + t * packedBSize
            var j0 = 0
            while j0 < n {
                let nc = Swift.min(ncMax, n - j0)
                var p0 = 0
                while p0 < k {
                    let kc = Swift.min(kcMax, k - p0)
                    job.packB(p0: p0, kc: kc, j0: j0, nc: nc, into: mine)
                    let mode: GEMMTileMode = p0 > 0 ? .resume : (accumulate ? .add : .store)
                    job.run(task: t, p0: p0, kc: kc, j0: j0, nc: nc, mode: mode, packedB: mine)
                    p0 += kc
                }
                j0 += nc
            }
        }
        return
    }
    var j0 = 0
    while j0 < n {
        let nc = Swift.min(ncMax, n - j0)
        var p0 = 0
        while p0 < k {
            let kc = Swift.min(kcMax, k - p0)
            job.packB(p0: p0, kc: kc, j0: j0, nc: nc, into: packedB)
            let mode: GEMMTileMode = p0 > 0 ? .resume : (accumulate ? .add : .store)
            if tasks == 1 {
                job.run(task: 0, p0: p0, kc: kc, j0: j0, nc: nc, mode: mode, packedB: packedB)
            } else {
                let (p, j) = (p0, j0)
                DispatchQueue.concurrentPerform(iterations: tasks) { t in
                    job.run(task: t, p0: p, kc: kc, j0: j, nc: nc, mode: mode, packedB: job.packedB)
                }
            }
            p0 += kc
        }
        j0 += nc
    }
}

// MARK: - Micro-kernels

// Note [Swift micro-kernel]: the kernel for every CPU the C kernels do not serve (arm64 with
// NEON; x86-64 without AVX2+FMA), and the one the tests compare them with. The package passes
// no target flags, so on x86-64 the compiler targets the baseline: 16 xmm registers of 128
// bits and no broadcast load. A 4 × 4 tile of Doubles is 8 two-lane accumulators; each k step
// loads 2 vectors of B and 4 pre-repeated vectors of A and issues 8 fused multiply-adds
// (`addingProduct`: NEON's `fmla`; on baseline x86-64 a call to libm's `fma`, correct but
// slow). Float uses the same shape with four lanes: a 4 × 8 tile. Each lane is one C[i, j]:
// the sequential FMA chain, vectorised across j (see Note [Deterministic GEMM]).

enum DoubleKernel: GEMMMicroKernel {
    typealias Scalar = Double
    static var mr: Int { 4 }
    static var nr: Int { 4 }
    static var width: Int { 2 }

    static var readsUnpackedA: Bool { false }

    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Double>, aRow: Int, aStep: Int, b: UnsafePointer<Double>,
                     c: UnsafeMutablePointer<Double>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Double>?) {
        typealias V = SIMD2<Double>
        let cr = UnsafeMutableRawPointer(c)
        let rs = ldc * 8
        @inline(__always) func ld(_ o: Int) -> V { UnsafeRawPointer(cr).loadUnaligned(fromByteOffset: o, as: V.self) }
        @inline(__always) func st(_ v: V, _ o: Int) { cr.storeBytes(of: v, toByteOffset: o, as: V.self) }
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        if mode == .resume {
            c00 = ld(0); c01 = ld(16)
            c10 = ld(rs); c11 = ld(rs + 16)
            c20 = ld(2 * rs); c21 = ld(2 * rs + 16)
            c30 = ld(3 * rs); c31 = ld(3 * rs + 16)
        }
        var pa = UnsafeRawPointer(a), pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 16, as: V.self)
            let a0 = pa.load(as: V.self)
            c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1)
            let a1 = pa.load(fromByteOffset: 16, as: V.self)
            c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1)
            let a2 = pa.load(fromByteOffset: 32, as: V.self)
            c20 = c20.addingProduct(a2, b0); c21 = c21.addingProduct(a2, b1)
            let a3 = pa.load(fromByteOffset: 48, as: V.self)
            c30 = c30.addingProduct(a3, b0); c31 = c31.addingProduct(a3, b1)
            pa += 64
            pb += 32
        }
        if mode == .add {
            c00 = ld(0) + c00; c01 = ld(16) + c01
            c10 = ld(rs) + c10; c11 = ld(rs + 16) + c11
            c20 = ld(2 * rs) + c20; c21 = ld(2 * rs + 16) + c21
            c30 = ld(3 * rs) + c30; c31 = ld(3 * rs + 16) + c31
        }
        st(c00, 0); st(c01, 16)
        st(c10, rs); st(c11, rs + 16)
        st(c20, 2 * rs); st(c21, 2 * rs + 16)
        st(c30, 3 * rs); st(c31, 3 * rs + 16)
    }
}

enum FloatKernel: GEMMMicroKernel {
    typealias Scalar = Float
    static var mr: Int { 4 }
    static var nr: Int { 8 }
    static var width: Int { 4 }

    static var readsUnpackedA: Bool { false }

    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Float>, aRow: Int, aStep: Int, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Float>?) {
        typealias V = SIMD4<Float>
        let cr = UnsafeMutableRawPointer(c)
        let rs = ldc * 4
        @inline(__always) func ld(_ o: Int) -> V { UnsafeRawPointer(cr).loadUnaligned(fromByteOffset: o, as: V.self) }
        @inline(__always) func st(_ v: V, _ o: Int) { cr.storeBytes(of: v, toByteOffset: o, as: V.self) }
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        if mode == .resume {
            c00 = ld(0); c01 = ld(16)
            c10 = ld(rs); c11 = ld(rs + 16)
            c20 = ld(2 * rs); c21 = ld(2 * rs + 16)
            c30 = ld(3 * rs); c31 = ld(3 * rs + 16)
        }
        var pa = UnsafeRawPointer(a), pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 16, as: V.self)
            let a0 = pa.load(as: V.self)
            c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1)
            let a1 = pa.load(fromByteOffset: 16, as: V.self)
            c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1)
            let a2 = pa.load(fromByteOffset: 32, as: V.self)
            c20 = c20.addingProduct(a2, b0); c21 = c21.addingProduct(a2, b1)
            let a3 = pa.load(fromByteOffset: 48, as: V.self)
            c30 = c30.addingProduct(a3, b0); c31 = c31.addingProduct(a3, b1)
            pa += 64
            pb += 32
        }
        if mode == .add {
            c00 = ld(0) + c00; c01 = ld(16) + c01
            c10 = ld(rs) + c10; c11 = ld(rs + 16) + c11
            c20 = ld(2 * rs) + c20; c21 = ld(2 * rs + 16) + c21
            c30 = ld(3 * rs) + c30; c31 = ld(3 * rs + 16) + c31
        }
        st(c00, 0); st(c01, 16)
        st(c10, rs); st(c11, rs + 16)
        st(c20, 2 * rs); st(c21, 2 * rs + 16)
        st(c30, 3 * rs); st(c31, 3 * rs + 16)
    }
}

