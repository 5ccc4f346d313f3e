import Testing
@testable import Tensors

// Note [Deterministic GEMM] promises the naive sequential FMA chain, bit for bit, for any
// shape, transposition, accumulation flag, thread count and micro-kernel. These tests compare
// the blocked kernels (the Swift one and every C kernel this machine can run) with an
// independent copy of that loop (written here, not imported).

/// The naive loop of the contract, over stored (possibly transposed) row-major matrices.
func naiveGEMM<S: TensorScalar>(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                _ a: [S], _ b: [S], _ c: inout [S], accumulate: Bool) {
    for i in 0..<m {
        for j in 0..<n {
            var s: S = 0
            for p in 0..<k {
                let x = tA ? a[p * m + i] : a[i * k + p]
                let y = tB ? b[j * k + p] : b[p * n + j]
                s = s.addingProduct(x, y)
            }
            if accumulate { c[i * n + j] += s } else { c[i * n + j] = s }
        }
    }
}

func bitsEqual<S: TensorScalar>(_ x: [S], _ y: [S]) -> Bool {
    x.count == y.count && zip(x, y).allSatisfy {
        $0.sign == $1.sign && $0.exponentBitPattern == $1.exponentBitPattern
            && $0.significandBitPattern == $1.significandBitPattern
    }
}

/// Runs the library's gemm on stored operands of the right shapes.
/// `kernel` forces a micro-kernel (nil: ``GEMMKernels/active``).
func libraryGEMM<S: TensorScalar>(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                  _ a: [S], _ b: [S], _ c: inout [S], accumulate: Bool,
                                  kernel: GEMMKernel? = nil) {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                // Zero-sized operands still need valid pointers.
                withUnsafeTemporaryAllocation(of: S.self, capacity: 1) { dummy in
                    let da = UnsafePointer(dummy.baseAddress!)
                    gemm(using: kernel ?? GEMMKernels.active, transposeA: tA, transposeB: tB, m: m, n: n, k: k,
                         a: pa.baseAddress ?? da, lda: tA ? m : k,
                         b: pb.baseAddress ?? da, ldb: tB ? k : n,
                         c: pc.baseAddress ?? dummy.baseAddress!, ldc: n, accumulate: accumulate)
                }
            }
        }
    }
}

func randomArray<S: TensorScalar>(_ count: Int, _ rng: inout SeededGenerator) -> [S] {
    (0..<count).map { _ in S(rng.nextUnitDouble() * 2 - 1) }
}

/// Shapes chosen to hit every path: empty, tiny (reference loop), edge tiles, several
/// k-blocks (k > 256), several row blocks, and the threaded path (m·n·k ≥ 2²⁰, m·n ≥ 4096).
let gemmShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 1, 0), (3, 5, 0), (0, 4, 3), (2, 2, 2), (1, 7, 13), (13, 1, 7),
    (5, 9, 300), (17, 19, 23), (33, 31, 29), (64, 64, 64), (97, 101, 259), (130, 67, 515),
    (200, 45, 90), (7, 300, 150), (97, 66, 300),
    // The C kernels' tiles (6 × 8, 6 × 16, 12 × 16, 12 × 32): exact multiples, one over, one under.
    (12, 32, 64), (13, 33, 65), (11, 31, 257), (6, 16, 100), (7, 17, 40), (24, 64, 513),
]

/// Every shape × transposition × accumulation, through each kernel at each thread count
/// (the naive loop runs once per case).
func checkAllCases<S: TensorScalar>(_: S.Type, kernels: [GEMMKernel], threads: [Int]) {
    let saved = Parallelism.threads
    defer { Parallelism.threads = saved }
    var rng = SeededGenerator(seed: 42)
    for (m, n, k) in gemmShapes {
        let a: [S] = randomArray(m * k, &rng)
        let b: [S] = randomArray(k * n, &rng)
        let c0: [S] = randomArray(m * n, &rng)
        for tA in [false, true] {
            for tB in [false, true] {
                for accumulate in [false, true] {
                    var expected = c0
                    naiveGEMM(tA, tB, m, n, k, a, b, &expected, accumulate: accumulate)
                    for t in threads {
                        Parallelism.threads = t
                        for kernel in kernels {
                            var got = c0
                            libraryGEMM(tA, tB, m, n, k, a, b, &got, accumulate: accumulate, kernel: kernel)
                            #expect(bitsEqual(got, expected),
                                    "\(S.self) \(kernel) threads=\(t) m=\(m) n=\(n) k=\(k) tA=\(tA) tB=\(tB) accumulate=\(accumulate)")
                        }
                    }
                }
            }
        }
    }
}

/// Parallelism.threads is global: the tests that change it run one after another.
@Suite("GEMM equals the naive sequential dot product, bit for bit", .serialized)
struct GEMMTests {
    @Test("Double: every kernel, shape, transposition and accumulation, 1 and 2 threads")
    func double() {
        checkAllCases(Double.self, kernels: GEMMKernels.available, threads: [1, 2])
    }

    @Test("Float: every kernel, shape, transposition and accumulation, 1 and 2 threads")
    func float() {
        checkAllCases(Float.self, kernels: GEMMKernels.available, threads: [1, 2])
    }

    @Test("AB, AᵀB and ABᵀ of the same matrices give the same bits (the matmul VJP products)")
    func transposesAgree() {
        var rng = SeededGenerator(seed: 7)
        let m = 70, n = 90, k = 300
        let a: [Double] = randomArray(m * k, &rng), b: [Double] = randomArray(k * n, &rng)
        // Stored transposes of a and b.
        var at = [Double](repeating: 0, count: m * k), bt = [Double](repeating: 0, count: k * n)
        for i in 0..<m { for p in 0..<k { at[p * m + i] = a[i * k + p] } }
        for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * n + j] } }
        var c1 = [Double](repeating: 0, count: m * n), c2 = c1, c3 = c1, c4 = c1
        libraryGEMM(false, false, m, n, k, a, b, &c1, accumulate: false)
        libraryGEMM(true, false, m, n, k, at, b, &c2, accumulate: false)
        libraryGEMM(false, true, m, n, k, a, bt, &c3, accumulate: false)
        libraryGEMM(true, true, m, n, k, at, bt, &c4, accumulate: false)
        #expect(bitsEqual(c1, c2) && bitsEqual(c1, c3) && bitsEqual(c1, c4))
    }

    @Test("Threaded and single-threaded results agree on a large product")
    func threadCountInvariance() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var rng = SeededGenerator(seed: 3)
        let m = 260, n = 250, k = 530
        let a: [Float] = randomArray(m * k, &rng), b: [Float] = randomArray(k * n, &rng)
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            Parallelism.threads = threads
            var c = [Float](repeating: 0, count: m * n)
            libraryGEMM(false, false, m, n, k, a, b, &c, accumulate: false)
            results.append(c)
        }
        var expected = [Float](repeating: 0, count: m * n)
        naiveGEMM(false, false, m, n, k, a, b, &expected, accumulate: false)
        #expect(results.allSatisfy { bitsEqual($0, expected) })
    }

    @Test("Signed zeros: k = 0 accumulates +0 (−0 + 0 = +0), as the naive loop does")
    func signedZeros() {
        var c: [Double] = [-0.0, -0.0]
        libraryGEMM(false, false, 1, 2, 0, [Double](), [Double](), &c, accumulate: true)
        #expect(c.allSatisfy { $0 == 0 && $0.sign == .plus })
        var d: [Double] = [-0.0]
        // A product of −0: the chain starts at +0, so 0 + (−0) = +0.
        libraryGEMM(false, false, 1, 1, 1, [-0.0], [1.0], &d, accumulate: false)
        #expect(d[0].sign == .plus)
    }
}

@Suite("matmul writes every element of its output")
struct MatmulOutputTests {
    @Test("An empty inner dimension gives zeros; every shape's output equals the naive loop (no stale memory)")
    func everyElementWritten() {
        let a = Tensor<Double>(zeros: [3, 0]), b = Tensor<Double>(zeros: [0, 4])
        #expect(Tensors.matmul(a, b).scalars == [Double](repeating: 0, count: 12))
        var rng = SeededGenerator(seed: 9)
        // Sizes on both sides of the small-product path and of every tile edge, repeated so that
        // freed buffers with old values are handed out again.
        for _ in 0..<3 {
            for (m, n, k) in [(1, 1, 1), (5, 7, 3), (13, 33, 17), (40, 90, 130), (97, 5, 300)] {
                let x = Tensor<Double>(shape: [m, k], scalars: randomArray(m * k, &rng))
                let y = Tensor<Double>(shape: [k, n], scalars: randomArray(k * n, &rng))
                var expected = [Double](repeating: 0, count: m * n)
                for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] = expected[i * n + j].addingProduct(x.scalars[i * k + p], y.scalars[p * n + j]) } } }
                #expect(Tensors.matmul(x, y).scalars == expected, "\(m)×\(n)×\(k)")
            }
        }
    }
}
