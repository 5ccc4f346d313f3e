import Dispatch

/// Monotonic time in seconds.
@inline(__always) func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// Best and median seconds per call of `body`, measured like the NumPy peers do: two
/// warm-up calls, one timed call to pick an inner repetition count that lasts `minTime`,
/// then `reps` samples of that many calls each.
func measure(minTime: Double, reps: Int, _ body: () -> Void) -> (best: Double, median: Double) {
    body(); body()
    let t0 = now(); body(); let one = now() - t0
    let inner = Swift.max(1, Int(minTime / Swift.max(one, 1e-9)))
    var samples: [Double] = []
    for _ in 0..<reps {
        let s = now()
        for _ in 0..<inner { body() }
        samples.append((now() - s) / Double(inner))
    }
    samples.sort()
    return (samples[0], samples[samples.count / 2])
}

/// Keeps a value alive so the optimiser cannot delete the work that produced it.
@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
