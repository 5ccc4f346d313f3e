import Foundation

// Note [Scratch cache]: the blocked GEMM needs packing buffers (a panel of B, one block of A per
// thread, an edge tile per thread) and, when it accumulates over several k-blocks, an m × n
// scratch for the chain. They used to be allocated and freed on every call. glibc serves a block
// above its mmap threshold (128 KB at first, raised dynamically to the largest mmapped block
// freed so far) with a fresh mmap and gives it back with munmap on free; below the threshold it
// carves it from the heap, whose top it trims back to the kernel once more than twice that much
// lies free there. Either way a training step could hand its megabytes back and fault them in
// again next step: the kernel zeroes every 4 KB page on first touch (perf: 8–9 % of the
// 400-25-10 and 784-256-10 steps, in some runs; Sources/Benchmarks/Analysis.swift).
//
// So the GEMM takes its buffers from a pool that keeps them across calls: a lock-protected list
// of 64-byte-aligned raw blocks, shared by all threads and element types. `take` returns the
// smallest cached block that is large enough, or allocates one (rounded up to 64 KB, so sizes
// that differ a little share one block); `give` returns it, and the pool then frees its smallest
// blocks until at most `maximumCount` blocks of at most `maximumBytes` in total remain — so it
// keeps the largest blocks seen, which serve every smaller request (it grows to the largest size
// in use), and a block larger than the bound itself is simply freed. The bound (``ScratchMemory/capacity``, 8 MiB) holds the packing buffers
// of any product up to n = 2048 Double columns at two threads; a process that wants the memory
// back calls ``ScratchMemory/releaseCached()``. Blocks in use are never shared: a caller owns its
// block between `take` and `give`, so concurrent GEMMs on several threads each get their own.
//
// Values never depend on the pool: a reused block holds whatever the last call left there, and
// the packing writes every element the micro-kernels read (zero padding included), so a block
// full of NaNs gives the same bits as a fresh one (ScratchPoolTests checks this on every kernel).
// Tensors themselves are Swift arrays, allocated by the runtime; the pool does not hold them.

/// A bounded, thread-safe cache of aligned scratch blocks (Note [Scratch cache]).
final class ScratchPool: @unchecked Sendable {
    /// One block: its address and its size in bytes. Owned by one caller between `take` and `give`.
    struct Block {
        let base: UnsafeMutableRawPointer
        let bytes: Int

        /// The block as `count` elements of `type`, from byte `offset` (a multiple of the alignment).
        func bound<T>(to type: T.Type, offset: Int = 0, count: Int) -> UnsafeMutablePointer<T> {
            precondition(offset >= 0 && offset + count * MemoryLayout<T>.stride <= bytes, "ScratchPool: block overrun")
            return (base + offset).bindMemory(to: type, capacity: count)
        }
    }

    /// Every block's alignment in bytes (a cache line; also an AVX-512 vector).
    static let alignment = 64
    /// Requests are rounded up to a multiple of this many bytes.
    static let granularity = 64 << 10

    /// The most bytes the pool keeps while no one uses them.
    let maximumBytes: Int
    /// The most blocks the pool keeps while no one uses them.
    let maximumCount: Int

    private let lock = NSLock()
    private var cached: [Block] = []  // kept sorted by size, largest first
    private var cachedTotal = 0
    private var allocationCount = 0

    /// A pool that keeps at most `maximumCount` idle blocks of at most `maximumBytes` in all.
    init(maximumBytes: Int, maximumCount: Int) {
        self.maximumBytes = maximumBytes
        self.maximumCount = maximumCount
    }

    deinit { release() }

    /// The pool behind every GEMM: 8 MiB, 8 blocks.
    static let shared = ScratchPool(maximumBytes: 8 << 20, maximumCount: 8)

    /// Bytes held in idle blocks.
    var cachedBytes: Int { lock.withLock { cachedTotal } }
    /// Idle blocks held.
    var cachedCount: Int { lock.withLock { cached.count } }
    /// Blocks allocated so far (the tests count reuse with it).
    var allocations: Int { lock.withLock { allocationCount } }

    /// A block of at least `bytes` bytes, aligned to ``alignment``: the smallest idle one that is
    /// large enough, or a new one.
    func take(bytes: Int) -> Block {
        let needed = Swift.max(1, bytes)
        let reused: Block? = lock.withLock {
            guard let i = cached.lastIndex(where: { $0.bytes >= needed }) else {
                allocationCount += 1
                return nil
            }
            cachedTotal -= cached[i].bytes
            return cached.remove(at: i)
        }
        if let reused { return reused }
        let rounded = (needed + Self.granularity - 1) / Self.granularity * Self.granularity
        return Block(base: .allocate(byteCount: rounded, alignment: Self.alignment), bytes: rounded)
    }

    /// Returns a block from ``take(bytes:)``. A block larger than ``maximumBytes`` is freed; any
    /// other is kept, and then the smallest blocks (perhaps this one) are freed until the pool is
    /// within its bounds.
    func give(_ block: Block) {
        if block.bytes > maximumBytes {
            block.base.deallocate()
            return
        }
        let freed: [Block] = lock.withLock {
            let i = cached.firstIndex(where: { $0.bytes < block.bytes }) ?? cached.endIndex
            cached.insert(block, at: i)
            cachedTotal += block.bytes
            var freed: [Block] = []
            while cached.count > maximumCount || cachedTotal > maximumBytes {
                let smallest = cached.removeLast()
                cachedTotal -= smallest.bytes
                freed.append(smallest)
            }
            return freed
        }
        for b in freed { b.base.deallocate() }
    }

    /// Calls `body` with a block of at least `bytes` bytes, then gives it back.
    func withBlock<R>(bytes: Int, _ body: (Block) throws -> R) rethrows -> R {
        let block = take(bytes: bytes)
        defer { give(block) }
        return try body(block)
    }

    /// Frees every idle block.
    func release() {
        let freed: [Block] = lock.withLock {
            defer { cached = []; cachedTotal = 0 }
            return cached
        }
        for b in freed { b.base.deallocate() }
    }
}

/// The scratch memory the kernels keep between calls: the GEMM's packing buffers (Note [Scratch
/// cache] in Sources/Tensors/ScratchPool.swift).
///
/// Each blocked matrix product takes its packing buffers from one process-wide pool and gives
/// them back when it returns, so that a training loop does not allocate, fault in and free them on
/// every step. The pool keeps at most ``capacity`` bytes of idle buffers; results never depend on it.
public enum ScratchMemory {
    /// The most bytes of idle scratch kept between calls (8 MiB).
    public static var capacity: Int { ScratchPool.shared.maximumBytes }

    /// Bytes of idle scratch held now (at most ``capacity``).
    public static var cachedBytes: Int { ScratchPool.shared.cachedBytes }

    /// Frees all idle scratch. Buffers that a running product holds are not affected (it keeps
    /// them until it returns); the next product allocates afresh.
    public static func releaseCached() { ScratchPool.shared.release() }
}
