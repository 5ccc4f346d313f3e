import Dispatch
import Tensors
#if arch(x86_64)
import CKernels
#endif

// Note [Peak loop]: the machine's arithmetic peak *for the instructions Swift emits here*. The
// package passes no target flags, so Swift code targets baseline x86-64: SSE2's 128-bit
// `mulpd`/`addpd` (`mulps`/`addps`) and no FMA. The loop runs 12 independent chains
// x ← x·s + t (a multiply, then an add: 2 flops per lane) so that both multiply pipes and
// both add pipes stay busy despite their latency; LLVM may not fuse or hoist them. It is the
// ceiling of every Swift loop in the package; the GEMM's ceiling is its C micro-kernel's
// (Note [Kernel peak]), which issues AVX-512 or AVX2 FMAs, as OpenBLAS does.

@inline(never)
func peakLoopDouble(_ iterations: Int, _ seed: Double) -> Double {
    typealias V = SIMD2<Double>
    let s = V(repeating: 0.999_999), t = V(repeating: seed * 1e-9)
    var x0 = V(repeating: seed), x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3, x4 = x0 + 4, x5 = x0 + 5
    var x6 = x0 + 6, x7 = x0 + 7, x8 = x0 + 8, x9 = x0 + 9, x10 = x0 + 10, x11 = x0 + 11
    for _ in 0..<iterations {
        x0 = x0 * s + t; x1 = x1 * s + t; x2 = x2 * s + t; x3 = x3 * s + t
        x4 = x4 * s + t; x5 = x5 * s + t; x6 = x6 * s + t; x7 = x7 * s + t
        x8 = x8 * s + t; x9 = x9 * s + t; x10 = x10 * s + t; x11 = x11 * s + t
    }
    let sum = (x0 + x1 + x2 + x3) + (x4 + x5 + x6 + x7) + (x8 + x9 + x10 + x11)
    return sum.sum()
}

@inline(never)
func peakLoopFloat(_ iterations: Int, _ seed: Float) -> Float {
    typealias V = SIMD4<Float>
    let s = V(repeating: 0.999_99), t = V(repeating: seed * 1e-6)
    var x0 = V(repeating: seed), x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3, x4 = x0 + 4, x5 = x0 + 5
    var x6 = x0 + 6, x7 = x0 + 7, x8 = x0 + 8, x9 = x0 + 9, x10 = x0 + 10, x11 = x0 + 11
    for _ in 0..<iterations {
        x0 = x0 * s + t; x1 = x1 * s + t; x2 = x2 * s + t; x3 = x3 * s + t
        x4 = x4 * s + t; x5 = x5 * s + t; x6 = x6 * s + t; x7 = x7 * s + t
        x8 = x8 * s + t; x9 = x9 * s + t; x10 = x10 * s + t; x11 = x11 * s + t
    }
    let sum = (x0 + x1 + x2 + x3) + (x4 + x5 + x6 + x7) + (x8 + x9 + x10 + x11)
    return sum.sum()
}

struct PeakResult {
    let dtype: String, threads: Int, gflops: Double
    /// What was timed: "sse2 mul+add" (Note [Peak loop]) or "<kernel> micro-kernel in L1".
    var instructions = "sse2 mul+add"
}

// Note [Kernel peak]: the ceiling of the blocked GEMM is its micro-kernel with every operand in
// L1: the active C kernel (GEMMKernels.active) run again and again on one packed sliver of A
// (mr × 128) and of B (128 × nr), 28–32 KB together, so no load ever misses. Each call does
// 2·mr·nr·128 flops. The blocked GEMM can only lose against this figure (packing, edge tiles,
// L2/L3 traffic, threading), so "% of kernel peak" says how much of the machine's FMA
// throughput the rest of the GEMM keeps.

/// GFLOP/s of the active C micro-kernel on L1-resident packed operands (Note [Kernel peak]),
/// on `threads` threads at once; nil when the Swift kernel is active.
func measureKernelPeak(dtype: String, threads: Int, quick: Bool) -> PeakResult? {
    #if arch(x86_64)
    let kernel = GEMMKernels.active
    guard kernel != .swift else { return nil }
    let kc = 128
    let (mr, nr): (Int, Int) = switch (kernel, dtype) {
    case (.avx512, "float32"): (Int(BP_AVX512_FLOAT_MR), Int(BP_AVX512_FLOAT_NR))
    case (.avx512, _): (Int(BP_AVX512_DOUBLE_MR), Int(BP_AVX512_DOUBLE_NR))
    case (_, "float32"): (Int(BP_AVX2_FLOAT_MR), Int(BP_AVX2_FLOAT_NR))
    default: (Int(BP_AVX2_DOUBLE_MR), Int(BP_AVX2_DOUBLE_NR))
    }
    let calls = quick ? 20_000 : 100_000
    @Sendable func run(_ seed: Int) -> Double {
        if dtype == "float32" {
            let a = [Float](repeating: 1e-3 * Float(seed), count: mr * kc), b = [Float](repeating: 0.5, count: kc * nr)
            var c = [Float](repeating: 0, count: mr * nr)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                for _ in 0..<calls {
                    if kernel == .avx512 { bp_sgemm_tile_avx512(kc, pa.baseAddress!, 1, mr, pb.baseAddress!, pc.baseAddress!, nr, 1, nil) }
                    else { bp_sgemm_tile_avx2(kc, pa.baseAddress!, 1, mr, pb.baseAddress!, pc.baseAddress!, nr, 1, nil) }
                } } } }
            return Double(c[0])
        }
        let a = [Double](repeating: 1e-9 * Double(seed), count: mr * kc), b = [Double](repeating: 0.5, count: kc * nr)
        var c = [Double](repeating: 0, count: mr * nr)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            for _ in 0..<calls {
                if kernel == .avx512 { bp_dgemm_tile_avx512(kc, pa.baseAddress!, 1, mr, pb.baseAddress!, pc.baseAddress!, nr, 1, nil) }
                else { bp_dgemm_tile_avx2(kc, pa.baseAddress!, 1, mr, pb.baseAddress!, pc.baseAddress!, nr, 1, nil) }
            } } } }
        return c[0]
    }
    let box = ResultBox()
    let (best, _) = measure(minTime: quick ? 0.05 : 0.2, reps: quick ? 3 : 5) {
        if threads == 1 { box.add(run(1)) } else { DispatchQueue.concurrentPerform(iterations: threads) { box.add(run($0 + 1)) } }
    }
    blackHole(box.value)
    let flops = 2 * Double(mr * nr * kc) * Double(calls) * Double(threads)
    return PeakResult(dtype: dtype, threads: threads, gflops: flops / best / 1e9, instructions: "\(kernel) micro-kernel in L1")
    #else
    return nil
    #endif
}

/// GFLOP/s of the SSE2 mul+add loop, on one thread or on `threads` threads at once.
func measurePeak(dtype: String, threads: Int, quick: Bool) -> PeakResult {
    let iterations = quick ? 2_000_000 : 10_000_000
    let lanes = dtype == "float32" ? 4.0 : 2.0
    let flopsPerThread = Double(iterations) * 12 * lanes * 2
    let box = ResultBox()
    let (best, _) = measure(minTime: quick ? 0.05 : 0.2, reps: quick ? 3 : 5) {
        if threads == 1 {
            box.add(dtype == "float32" ? Double(peakLoopFloat(iterations, 1)) : peakLoopDouble(iterations, 1))
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let v = dtype == "float32" ? Double(peakLoopFloat(iterations, Float(t + 1)))
                                           : peakLoopDouble(iterations, Double(t + 1))
                box.add(v)
            }
        }
    }
    blackHole(box.value)
    return PeakResult(dtype: dtype, threads: threads, gflops: flopsPerThread * Double(threads) / best / 1e9)
}

/// A thread-safe sink for results the optimiser must not discard.
final class ResultBox: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private(set) var value = 0.0
    func add(_ v: Double) { lock.wait(); value += v; lock.signal() }
}
