import Testing
@testable import Tensors

// The micro-kernel dispatch (Sources/Tensors/GEMMKernels.swift, Sources/CKernels): every
// path this machine can run gives the same bits as the FMA chain, and the chain is an FMA
// chain (one rounding per term), not a multiply followed by an add.

@Suite("GEMM micro-kernels: one FMA chain per element on every dispatch path", .serialized)
struct GEMMKernelTests {
    @Test("The Swift kernel is always available and listed first; the active kernel is available")
    func availability() {
        #expect(GEMMKernels.available.first == .swift)
        #expect(GEMMKernels.available.contains(GEMMKernels.active))
        #expect(Set(GEMMKernels.available).count == GEMMKernels.available.count)
    }

    /// s = fma(a₁, b₁, a₀·b₀) with a₀·b₀ = −1 and a₁ = b₁ = 1 + 2⁻³⁰: the exact product
    /// 1 + 2⁻²⁹ + 2⁻⁶⁰ survives the cancellation only when it is not rounded first, so the FMA
    /// chain gives 2⁻²⁹ + 2⁻⁶⁰ where a multiply then an add gives 2⁻²⁹.
    @Test("Each path rounds once per term: a product that cancels keeps its low bits")
    func fusedRounding() {
        let t = 1 + 0x1p-30
        let expected = 0x1p-29 + 0x1p-60
        #expect(expected != 0x1p-29)
        // 1 × 1 takes the reference loop; 16 × 160 × 2 = 5120 multiply-adds the blocked path.
        for (m, n) in [(1, 1), (16, 160)] {
            let k = 2
            var a = [Double](repeating: 0, count: m * k), b = [Double](repeating: 0, count: k * n)
            for i in 0..<m { a[i * k] = -1; a[i * k + 1] = t }
            for j in 0..<n { b[j] = 1; b[n + j] = t }
            for kernel in GEMMKernels.available {
                var c = [Double](repeating: 0, count: m * n)
                libraryGEMM(false, false, m, n, k, a, b, &c, accumulate: false, kernel: kernel)
                #expect(c.allSatisfy { $0 == expected }, "\(kernel) m=\(m) n=\(n): \(c[0])")
            }
        }
        // The same in Float: 1 + 2⁻¹³, squared, is 1 + 2⁻¹² + 2⁻²⁶.
        let tf: Float = 1 + 0x1p-13
        for (m, n) in [(1, 1), (16, 160)] {
            let k = 2
            var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
            for i in 0..<m { a[i * k] = -1; a[i * k + 1] = tf }
            for j in 0..<n { b[j] = 1; b[n + j] = tf }
            for kernel in GEMMKernels.available {
                var c = [Float](repeating: 0, count: m * n)
                libraryGEMM(false, false, m, n, k, a, b, &c, accumulate: false, kernel: kernel)
                #expect(c.allSatisfy { $0 == 0x1p-12 + 0x1p-26 }, "\(kernel) Float m=\(m) n=\(n): \(c[0])")
            }
        }
    }

    // (400, 25, 1100): skinny and threaded, so A is read in place (Note [Unpacked A]) and each
    // thread packs its own B (Note [Private B]) over five k-blocks. (64, 520, 200) and
    // (100, 700, 530): short A, wide B, so the threads split the columns (Note [Column split]),
    // with partial last slivers; the first accumulates into C directly (one k-block), the second
    // through the scratch chain (three).
    @Test("Every pair of paths agrees bit for bit on random products, any thread count",
          arguments: [(97, 130, 300), (130, 260, 270), (12, 1000, 7), (300, 5, 600), (400, 25, 1100), (64, 520, 200),
                       (100, 700, 530)])
    func pathsAgree(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var rng = SeededGenerator(seed: UInt64(m * 1000 + n))
        let a: [Double] = randomArray(m * k, &rng), b: [Double] = randomArray(k * n, &rng)
        let af: [Float] = randomArray(m * k, &rng), bf: [Float] = randomArray(k * n, &rng)
        let c0: [Double] = randomArray(m * n, &rng)
        let c0f: [Float] = randomArray(m * n, &rng)
        var doubles: [[Double]] = [], floats: [[Float]] = []
        for threads in [1, 3] {
            Parallelism.threads = threads
            for kernel in GEMMKernels.available {
                var c = c0, cf = c0f
                libraryGEMM(true, false, m, n, k, a, b, &c, accumulate: true, kernel: kernel)
                libraryGEMM(false, true, m, n, k, af, bf, &cf, accumulate: true, kernel: kernel)
                doubles.append(c)
                floats.append(cf)
            }
        }
        var expected = c0, expectedF = c0f
        naiveGEMM(true, false, m, n, k, a, b, &expected, accumulate: true)
        naiveGEMM(false, true, m, n, k, af, bf, &expectedF, accumulate: true)
        #expect(doubles.allSatisfy { bitsEqual($0, expected) })
        #expect(floats.allSatisfy { bitsEqual($0, expectedF) })
    }

    @Test("Non-finite values propagate the same way on every path")
    func nonFinite() {
        let m = 20, n = 40, k = 30
        var rng = SeededGenerator(seed: 9)
        var a: [Double] = randomArray(m * k, &rng)
        let b: [Double] = randomArray(k * n, &rng)
        a[5] = .infinity
        a[k + 3] = .nan
        a[2 * k + 1] = -.infinity
        var results: [[Double]] = []
        for kernel in GEMMKernels.available {
            var c = [Double](repeating: 0, count: m * n)
            libraryGEMM(false, false, m, n, k, a, b, &c, accumulate: false, kernel: kernel)
            results.append(c)
        }
        var expected = [Double](repeating: 0, count: m * n)
        naiveGEMM(false, false, m, n, k, a, b, &expected, accumulate: false)
        for r in results {
            // NaN payloads may differ; compare classes and finite values.
            #expect(zip(r, expected).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 })
        }
    }
}
