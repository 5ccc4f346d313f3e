import Dispatch
import Foundation
import Testing
@testable import Tensors

// Note [Scratch cache]: the GEMM's packing buffers come from a bounded pool that keeps them across
// calls. These tests check the pool's bookkeeping on private pools (so that other tests' products
// cannot disturb the counts), that the GEMM really reuses its blocks, that a reused block's old
// contents never reach a result (NaN-filled blocks give the naive loop's bits), and that
// concurrent products on the shared pool give the reference bits.

@Suite("Scratch pool: bounded reuse of aligned blocks")
struct ScratchPoolTests {
    @Test("take gives an aligned block of at least the size asked, rounded up to the granularity")
    func alignedAndRounded() {
        let pool = ScratchPool(maximumBytes: 1 << 20, maximumCount: 2)
        for bytes in [0, 1, 100, ScratchPool.granularity, ScratchPool.granularity + 1, 300_000] {
            let block = pool.take(bytes: bytes)
            #expect(block.bytes >= bytes)
            #expect(block.bytes % ScratchPool.granularity == 0)
            #expect(Int(bitPattern: block.base) % ScratchPool.alignment == 0)
            pool.give(block)
        }
    }

    @Test("A returned block serves the next request it can hold, smaller or equal: no new allocation")
    func reuse() {
        let pool = ScratchPool(maximumBytes: 1 << 20, maximumCount: 2)
        let first = pool.take(bytes: 100_000)
        pool.give(first)
        #expect(pool.cachedBytes == first.bytes && pool.cachedCount == 1)
        let second = pool.take(bytes: 50_000)
        #expect(second.base == first.base)
        #expect(pool.cachedBytes == 0)
        pool.give(second)
        let third = pool.take(bytes: first.bytes)
        #expect(third.base == first.base)
        pool.give(third)
        #expect(pool.allocations == 1)
    }

    @Test("A larger request grows the pool; past the count bound the smallest block is freed, the largest kept")
    func growth() {
        let pool = ScratchPool(maximumBytes: 1 << 20, maximumCount: 1)
        let small = pool.take(bytes: 100_000)
        pool.give(small)
        let large = pool.take(bytes: 300_000)  // the cached block is too small: a new one
        #expect(large.base != small.base && large.bytes >= 300_000)
        #expect(pool.allocations == 2)
        #expect(pool.cachedCount == 1)  // the small block is still cached while the large is out
        pool.give(large)
        #expect(pool.cachedCount == 1 && pool.cachedBytes == large.bytes)
        let again = pool.take(bytes: 100_000)  // now served by the large block
        #expect(again.base == large.base)
        pool.give(again)
        #expect(pool.allocations == 2)
    }

    @Test("Idle blocks never exceed the byte and count bounds; a block above the byte bound is not kept")
    func bounds() {
        let granule = ScratchPool.granularity
        let pool = ScratchPool(maximumBytes: 4 * granule, maximumCount: 2)
        let blocks = (0..<3).map { _ in pool.take(bytes: granule) }
        for b in blocks { pool.give(b) }
        #expect(pool.cachedCount == 2 && pool.cachedBytes == 2 * granule)
        let huge = pool.take(bytes: 8 * granule)
        pool.give(huge)
        #expect(pool.cachedCount == 2 && pool.cachedBytes == 2 * granule)
        let mid = pool.take(bytes: 3 * granule)
        pool.give(mid)  // 3 + 1 granules kept, the other 1-granule block freed
        #expect(pool.cachedCount == 2 && pool.cachedBytes == 4 * granule)
        pool.release()
        #expect(pool.cachedCount == 0 && pool.cachedBytes == 0)
    }

    @Test("Concurrent takers never hold the same block: each finds its own pattern intact")
    func concurrentTakers() {
        let pool = ScratchPool(maximumBytes: 1 << 20, maximumCount: 4)
        let iterations = 256
        let intact = UnsafeMutableBufferPointer<Bool>.allocate(capacity: iterations)
        defer { intact.deallocate() }
        let slots = UncheckedSendable(intact)
        DispatchQueue.concurrentPerform(iterations: iterations) { i in
            let bytes = (i % 5 + 1) * 40_000
            let block = pool.take(bytes: bytes)
            let words = block.bound(to: Int.self, count: bytes / 8)
            for w in 0..<bytes / 8 { words[w] = i &* 1_000_003 &+ w }
            var ok = true
            for w in 0..<bytes / 8 where words[w] != i &* 1_000_003 &+ w { ok = false }
            slots.value[i] = ok
            pool.give(block)
        }
        #expect(intact.allSatisfy { $0 })
        #expect(pool.cachedCount <= 4 && pool.cachedBytes <= 1 << 20)
    }
}

/// Lets a buffer be written from `concurrentPerform`'s closure (each iteration writes its own slot).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The library's Double or Float GEMM through the blocked driver with a chosen pool.
func pooledGEMM<S: TensorScalar>(_ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [S], _ b: [S], _ c: inout [S],
                                 accumulate: Bool, kernel: GEMMKernel, pool: ScratchPool, threads: Int? = nil) {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                let (ra, rb, rc) = (UnsafeRawPointer(pa.baseAddress!), UnsafeRawPointer(pb.baseAddress!),
                                    UnsafeMutableRawPointer(pc.baseAddress!))
                if S.self == Double.self {
                    gemmDouble(tA, tB, m, n, k, ra, tA ? m : k, rb, tB ? k : n, rc, n, accumulate, kernel, pool: pool, threads: threads)
                } else {
                    gemmFloat(tA, tB, m, n, k, ra, tA ? m : k, rb, tB ? k : n, rc, n, accumulate, kernel, pool: pool, threads: threads)
                }
            }
        }
    }
}

@Suite("GEMM with pooled scratch: the same bits, whatever the blocks held", .serialized)
struct PooledGEMMTests {
    /// Edge tiles, k-blocks with accumulation (the m × n chain scratch), a wide B, a skinny B read
    /// with A in place, and at 3 threads private B panels (Notes [Unpacked A], [Private B]).
    static let shapes = [(97, 130, 300, true), (130, 260, 270, false), (12, 1000, 7, false), (300, 5, 600, true),
                         (400, 25, 1100, false), (33, 17, 513, true)]
    /// The transpositions, one pair per shape in turn.
    static let transpositions = [(false, false), (true, false), (false, true)]

    @Test("The second product of a shape allocates nothing: the pool's blocks are reused")
    func reusesBlocks() {
        let pool = ScratchPool(maximumBytes: 8 << 20, maximumCount: 8)
        var rng = SeededGenerator(seed: 7)
        let (m, n, k) = (200, 64, 600)
        let a: [Double] = randomArray(m * k, &rng), b: [Double] = randomArray(k * n, &rng)
        var expected = [Double](repeating: 0, count: m * n)
        naiveGEMM(false, false, m, n, k, a, b, &expected, accumulate: true)
        var c = [Double](repeating: 0, count: m * n)
        // A fixed thread count: other suites change Parallelism.threads while this one runs, and
        // the buffers' sizes depend on it.
        pooledGEMM(false, false, m, n, k, a, b, &c, accumulate: true, kernel: GEMMKernels.active, pool: pool, threads: 2)
        let first = pool.allocations
        #expect(first >= 2)  // the chain scratch and the packing buffers, held at once
        #expect(pool.cachedCount == first)
        for _ in 0..<3 {
            c = [Double](repeating: 0, count: m * n)
            pooledGEMM(false, false, m, n, k, a, b, &c, accumulate: true, kernel: GEMMKernels.active, pool: pool, threads: 2)
            #expect(bitsEqual(c, expected))
        }
        #expect(pool.allocations == first)
    }

    @Test("Blocks full of NaN from earlier use give the naive loop's bits: every kernel, Double and Float, 1 and 3 threads")
    func poisonedBlocks() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        let pool = ScratchPool(maximumBytes: 16 << 20, maximumCount: 3)
        let blockBytes = 4 << 20
        /// Fills the pool's three blocks with all-ones bytes: NaN as Double and as Float.
        func poison() {
            let blocks = (0..<3).map { _ in pool.take(bytes: blockBytes) }
            for b in blocks { b.base.initializeMemory(as: UInt8.self, repeating: 0xFF, count: b.bytes) }
            for b in blocks { pool.give(b) }
        }
        poison()
        #expect(pool.allocations == 3)
        var rng = SeededGenerator(seed: 11)
        for (s, (m, n, k, accumulate)) in Self.shapes.enumerated() {
            let a: [Double] = randomArray(m * k, &rng), b: [Double] = randomArray(k * n, &rng)
            let af: [Float] = randomArray(m * k, &rng), bf: [Float] = randomArray(k * n, &rng)
            let c0: [Double] = randomArray(m * n, &rng), c0f: [Float] = randomArray(m * n, &rng)
            do {
                let (tA, tB) = Self.transpositions[s % Self.transpositions.count]
                var expected = c0, expectedF = c0f
                naiveGEMM(tA, tB, m, n, k, a, b, &expected, accumulate: accumulate)
                naiveGEMM(tA, tB, m, n, k, af, bf, &expectedF, accumulate: accumulate)
                for threads in [1, 3] {
                    Parallelism.threads = threads
                    for kernel in GEMMKernels.available {
                        var c = c0, cf = c0f
                        poison()
                        pooledGEMM(tA, tB, m, n, k, a, b, &c, accumulate: accumulate, kernel: kernel, pool: pool)
                        poison()
                        pooledGEMM(tA, tB, m, n, k, af, bf, &cf, accumulate: accumulate, kernel: kernel, pool: pool)
                        #expect(bitsEqual(c, expected), "Double \(kernel) \(m)×\(n)×\(k) tA \(tA) tB \(tB) threads \(threads)")
                        #expect(bitsEqual(cf, expectedF), "Float \(kernel) \(m)×\(n)×\(k) tA \(tA) tB \(tB) threads \(threads)")
                    }
                }
            }
        }
        // Every product ran in the poisoned blocks: none needed a new one.
        #expect(pool.allocations == 3)
    }

    @Test("Concurrent products of different sizes and types on the shared pool give the reference bits")
    func concurrentProducts() {
        var rng = SeededGenerator(seed: 13)
        struct Case: @unchecked Sendable {
            let m: Int, n: Int, k: Int, accumulate: Bool
            let a: [Double], b: [Double], c0: [Double], expected: [Double]
            let af: [Float], bf: [Float], c0f: [Float], expectedF: [Float]
        }
        let cases: [Case] = Self.shapes.map { m, n, k, accumulate in
            let a: [Double] = randomArray(m * k, &rng), b: [Double] = randomArray(k * n, &rng)
            let af: [Float] = randomArray(m * k, &rng), bf: [Float] = randomArray(k * n, &rng)
            let c0: [Double] = randomArray(m * n, &rng), c0f: [Float] = randomArray(m * n, &rng)
            var expected = c0, expectedF = c0f
            naiveGEMM(false, false, m, n, k, a, b, &expected, accumulate: accumulate)
            naiveGEMM(false, false, m, n, k, af, bf, &expectedF, accumulate: accumulate)
            return Case(m: m, n: n, k: k, accumulate: accumulate, a: a, b: b, c0: c0, expected: expected,
                        af: af, bf: bf, c0f: c0f, expectedF: expectedF)
        }
        let iterations = 4 * cases.count
        let agreed = UnsafeMutableBufferPointer<Bool>.allocate(capacity: iterations)
        defer { agreed.deallocate() }
        let slots = UncheckedSendable(agreed)
        DispatchQueue.concurrentPerform(iterations: iterations) { i in
            let t = cases[i % cases.count]
            var ok = true
            for _ in 0..<3 {
                var c = t.c0, cf = t.c0f
                libraryGEMM(false, false, t.m, t.n, t.k, t.a, t.b, &c, accumulate: t.accumulate)
                libraryGEMM(false, false, t.m, t.n, t.k, t.af, t.bf, &cf, accumulate: t.accumulate)
                ok = ok && bitsEqual(c, t.expected) && bitsEqual(cf, t.expectedF)
            }
            slots.value[i] = ok
        }
        #expect(agreed.allSatisfy { $0 })
        #expect(ScratchMemory.cachedBytes <= ScratchMemory.capacity)
    }
}

// This changes the test process's malloc settings (which only affects how much freed memory it keeps).
@Suite("MallocTuning")
struct MallocTuningTests {
    @Test("retainFreedMemory is accepted by glibc (and reports false where there is no such setting)")
    func accepted() {
        #if canImport(Glibc)
        #expect(MallocTuning.retainFreedMemory(upTo: 64 << 20))
        #else
        #expect(!MallocTuning.retainFreedMemory(upTo: 64 << 20))
        #endif
    }
}
