import Dispatch
import Tensors

// Note [Peak loop]: the machine's arithmetic peak *for the instructions we may use*. The
// package targets baseline x86-64 (no unsafeFlags), so our kernels have SSE2's 128-bit
// `mulpd`/`addpd` (`mulps`/`addps`) and no FMA. The loop runs 12 independent chains
// x ← x·s + t (a multiply, then an add: 2 flops per lane) so that both multiply pipes and
// both add pipes stay busy despite their latency; LLVM may not fuse or hoist them. NumPy's
// OpenBLAS uses AVX2/AVX-512 FMA instead: one instruction does a multiply-add on 4 (AVX2)
// or 8 (AVX-512) Doubles, on the same two multiply pipes, so its peak is at least twice
// the SSE2 mul+add figure on this core (FMA issues 2 × 4 lanes × 2 flops per cycle against
// SSE2's 2 × 2 lanes × 2 flops split over the mul and add pipes).

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
