import Foundation
#if arch(x86_64)
import CKernels
#endif

/// A micro-kernel family: the one in Swift, or one of the C kernels (Sources/CKernels)
/// compiled for a wider instruction set and chosen at run time. It serves the GEMM and the
/// element-wise functions eˣ, eˣ − 1, ln x, ln(1 + x), tanh x and σ(x) of a tensor.
///
/// Every kernel computes each element of C as the same sequential fused multiply-add chain
/// (Note [Deterministic GEMM]), and each element-wise value by the same operations in the same
/// order (Note [One polynomial]), so the choice changes speed, never a bit of the result.
public enum GEMMKernel: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Portable Swift SIMD (128-bit vectors; NEON on arm64). Serves every CPU.
    case swift
    /// C, 256-bit AVX2 with FMA: 6 × 8 Double tiles, 6 × 16 Float tiles.
    case avx2
    /// C, 512-bit AVX-512F: 12 × 16 Double tiles, 12 × 32 Float tiles.
    case avx512

    /// The kernel's name, as `BACKPROP_GEMM_KERNEL` spells it.
    public var description: String { rawValue }
}

/// Which micro-kernel runs, for the GEMM and for the element-wise functions (see ``GEMMKernel``).
///
/// The default is the widest kernel this CPU and its operating system support, detected once
/// by CPUID and XGETBV; the environment variable `BACKPROP_GEMM_KERNEL=swift|avx2|avx512`
/// chooses a narrower one at start-up (a value this machine cannot run is reported on standard
/// error and ignored). Tests and benchmarks set ``active`` to compare the paths.
public enum GEMMKernels {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _active = initialKernel()

    /// The kernels this machine can run, narrowest first (always starts with `.swift`).
    public static let available: [GEMMKernel] = {
        #if arch(x86_64)
        switch bp_simd_level() {
        case 2: return [.swift, .avx2, .avx512]
        case 1: return [.swift, .avx2]
        default: return [.swift]
        }
        #else
        return [.swift]
        #endif
    }()

    /// The kernel every `gemm` call and every vectorised element-wise function uses from now on.
    /// - Precondition: the new value is in ``available``.
    public static var active: GEMMKernel {
        get { lock.withLock { _active } }
        set {
            precondition(available.contains(newValue),
                         "GEMMKernels.active: \(newValue) is not available on this machine (available: \(available))")
            lock.withLock { _active = newValue }
        }
    }

    private static func initialKernel() -> GEMMKernel {
        let best = available.last!
        guard let requested = ProcessInfo.processInfo.environment["BACKPROP_GEMM_KERNEL"], !requested.isEmpty else {
            return best
        }
        guard let kernel = GEMMKernel(rawValue: requested.lowercased()), available.contains(kernel) else {
            FileHandle.standardError.write(Data(
                "backprop: BACKPROP_GEMM_KERNEL=\(requested) is not one of \(available.map(\.rawValue)); using \(best)\n".utf8))
            return best
        }
        return kernel
    }
}

#if arch(x86_64)
// The C kernels as ``GEMMMicroKernel``s for the blocked driver. A broadcast is a load here
// (vbroadcastsd/ss), so packed A holds each value once (width 1).

extension GEMMTileMode {
    var cMode: Int32 {
        switch self {
        case .store: return 0
        case .resume: return 1
        case .add: return 2
        }
    }
}

enum AVX2DoubleKernel: GEMMMicroKernel {
    static var mr: Int { BP_AVX2_DOUBLE_MR }
    static var nr: Int { BP_AVX2_DOUBLE_NR }
    static var width: Int { 1 }
    static var readsUnpackedA: Bool { true }
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Double>, aRow: Int, aStep: Int, b: UnsafePointer<Double>,
                     c: UnsafeMutablePointer<Double>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Double>?) {
        bp_dgemm_tile_avx2(kc, a, aRow, aStep, b, c, ldc, mode.cMode, next)
    }
}

enum AVX2FloatKernel: GEMMMicroKernel {
    static var mr: Int { BP_AVX2_FLOAT_MR }
    static var nr: Int { BP_AVX2_FLOAT_NR }
    static var width: Int { 1 }
    static var readsUnpackedA: Bool { true }
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Float>, aRow: Int, aStep: Int, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Float>?) {
        bp_sgemm_tile_avx2(kc, a, aRow, aStep, b, c, ldc, mode.cMode, next)
    }
}

enum AVX512DoubleKernel: GEMMMicroKernel {
    static var mr: Int { BP_AVX512_DOUBLE_MR }
    static var nr: Int { BP_AVX512_DOUBLE_NR }
    static var width: Int { 1 }
    static var readsUnpackedA: Bool { true }
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Double>, aRow: Int, aStep: Int, b: UnsafePointer<Double>,
                     c: UnsafeMutablePointer<Double>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Double>?) {
        bp_dgemm_tile_avx512(kc, a, aRow, aStep, b, c, ldc, mode.cMode, next)
    }
}

enum AVX512FloatKernel: GEMMMicroKernel {
    static var mr: Int { BP_AVX512_FLOAT_MR }
    static var nr: Int { BP_AVX512_FLOAT_NR }
    static var width: Int { 1 }
    static var readsUnpackedA: Bool { true }
    @inline(__always)
    static func tile(kc: Int, a: UnsafePointer<Float>, aRow: Int, aStep: Int, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, mode: GEMMTileMode, next: UnsafePointer<Float>?) {
        bp_sgemm_tile_avx512(kc, a, aRow, aStep, b, c, ldc, mode.cMode, next)
    }
}
#endif
