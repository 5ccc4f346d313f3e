import Foundation

/// How many threads the kernels may split large work across.
///
/// Kernels split work so that results are bit-for-bit the same for any thread count
/// (see Note [Deterministic GEMM]); this setting changes speed, never values.
public enum Parallelism {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threads = ProcessInfo.processInfo.activeProcessorCount

    /// The maximum number of threads (at least 1). Defaults to the active processor count.
    public static var threads: Int {
        get { lock.withLock { _threads } }
        set { lock.withLock { _threads = Swift.max(1, newValue) } }
    }
}
