import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// The process's user and system CPU seconds so far (`getrusage`), all threads included.
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// The process's minor page faults so far (`getrusage`'s `ru_minflt`: pages the kernel mapped and
/// zeroed, or found in its page cache, without I/O), all threads included.
func minorPageFaults() -> Int {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Int(usage.ru_minflt)
}
