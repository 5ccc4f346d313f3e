#if canImport(Glibc)
import Glibc
#endif

// Note [Freed pages]: a training step's tensors are Swift arrays, allocated and freed by the C
// allocator; the library cannot pool them (their buffers belong to the Swift runtime). With
// glibc's defaults, whether a step faults its megabytes in afresh depends on the process's
// history: the mmap threshold starts at 128 KB and rises to the largest mmapped block freed so
// far, the trim threshold is twice that, and free() gives the top of the heap back to the kernel
// (brk) whenever more than the trim threshold lies free there. A 400-25-10 step (m = 5000) frees
// ≈ 5 MB at the top of the heap; if the largest block freed earlier was its own 1 MB activations,
// the trim threshold is ≈ 2 MB, every step ends by trimming, and the next one faults in and
// zeroes ≈ 650 pages again (≈ 1.5 ms of ≈ 11). If the process once freed a 16 MB block (reading
// the data set, say), the threshold is 32 MB and no step faults. Which of the two a run gets also
// depends on whether some long-lived block happens to sit above the step's (perf stat over fresh
// runs of the same binary shows both).
//
// That history is the application's, and so is the choice: the library does not change malloc's
// settings by itself (they are process-wide, they turn off glibc's dynamic thresholds, and they
// keep freed memory in the process). ``MallocTuning/retainFreedMemory(upTo:)`` does it on request,
// once, at start-up; `GLIBC_TUNABLES=glibc.malloc.trim_threshold=…:glibc.malloc.mmap_threshold=…`
// does the same without code. The GEMM's own scratch is pooled regardless (Note [Scratch cache]).

/// Process-wide settings of the C allocator, for applications that train large batches
/// (Note [Freed pages] in Sources/Tensors/MallocTuning.swift).
///
/// The library never calls this itself: the settings apply to the whole process.
public enum MallocTuning {
    /// Asks the C allocator to keep up to `bytes` of freed memory in the process for reuse,
    /// instead of returning it to the kernel after every training step and faulting it in (and
    /// zeroed) again on the next.
    ///
    /// On Linux with glibc this sets, once for the process, `M_TRIM_THRESHOLD` to `bytes` and
    /// `M_MMAP_THRESHOLD` to `min(bytes, 32 MiB)` (glibc's largest), with `mallopt`; this also
    /// turns off glibc's dynamic adjustment of both. The cost: up to `bytes` of freed heap stays in
    /// the process's resident memory, and blocks below the mmap threshold come from the heap,
    /// where they can fragment it. Elsewhere (macOS, other C libraries) it does nothing.
    ///
    ///     MallocTuning.retainFreedMemory(upTo: 64 << 20)   // at start-up, before training
    ///
    /// - Parameter bytes: the most freed memory to keep (default 64 MiB); at least 1 MiB.
    /// - Returns: whether the allocator accepted the settings.
    @discardableResult
    public static func retainFreedMemory(upTo bytes: Int = 64 << 20) -> Bool {
        #if canImport(Glibc)
        let bytes = Swift.min(Swift.max(bytes, 1 << 20), Int(Int32.max))
        // mallopt is not in Swift's Glibc module; glibc exports it, so look it up.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)
        let trim = mallopt(trimThreshold, Int32(bytes))
        let mmap = mallopt(mmapThreshold, Int32(Swift.min(bytes, 32 << 20)))
        return trim == 1 && mmap == 1
        #else
        return false
        #endif
    }
}
