#if arch(x86_64)
import CKernels
#endif

// Dispatch of the element-wise functions that have vectorised kernels (Note [One polynomial],
// Sources/Tensors/Transcendentals.swift): the AVX-512 or AVX2 kernels of Sources/CKernels for
// a tensor, as ``GEMMKernels/active`` says, the Swift version otherwise; for one element, the C
// one-element FMA function where the CPU has FMA (the Swift version would call libm's `fma`
// for every step on baseline x86-64), the Swift version elsewhere. Every choice gives the
// same bits.

/// A function with a vectorised kernel.
@usableFromInline
enum ElementwiseFunction: CaseIterable, Sendable {
    case exp, expm1, log, log1p, tanh, sigmoid

    /// Below this many elements a tensor is mapped one element at a time (no kernel look-up).
    @usableFromInline static let smallCount = 4

    #if arch(x86_64)
    /// Whether the one-element C functions (FMA) can run here.
    @usableFromInline static let hasFMA = bp_simd_level() >= 1
    #endif

    /// f(x) for one Double.
    @usableFromInline
    func callAsFunction(_ x: Double) -> Double {
        #if arch(x86_64)
        if ElementwiseFunction.hasFMA {
            switch self {
        case .exp: return bp_exp_f64_fma(x)
        case .expm1: return bp_expm1_f64_fma(x)
        case .log: return bp_log_f64_fma(x)
        case .log1p: return bp_log1p_f64_fma(x)
        case .tanh: return bp_tanh_f64_fma(x)
        case .sigmoid: return bp_sigmoid_f64_fma(x)
            }
        }
        #endif
        return swift(x)
    }

    /// f(x) for one Float.
    @usableFromInline
    func callAsFunction(_ x: Float) -> Float {
        #if arch(x86_64)
        if ElementwiseFunction.hasFMA {
            switch self {
        case .exp: return bp_exp_f32_fma(x)
        case .expm1: return bp_expm1_f32_fma(x)
        case .log: return bp_log_f32_fma(x)
        case .log1p: return bp_log1p_f32_fma(x)
        case .tanh: return bp_tanh_f32_fma(x)
        case .sigmoid: return bp_sigmoid_f32_fma(x)
            }
        }
        #endif
        return swift(x)
    }

    /// f(x) by the Swift version (Note [One polynomial]).
    func swift<S: PolynomialScalar>(_ x: S) -> S {
        switch self {
        case .exp: Polynomial.exp(x)
        case .expm1: Polynomial.expm1(x)
        case .log: Polynomial.log(x)
        case .log1p: Polynomial.log1p(x)
        case .tanh: Polynomial.tanh(x)
        case .sigmoid: Polynomial.sigmoid(x)
        }
    }

    /// y[i] = f(x[i]) for i < n through `kernel` (x == y allowed).
    func apply(_ kernel: GEMMKernel, _ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        switch kernel {
        #if arch(x86_64)
        case .avx512:
            switch self {
        case .exp: bp_exp_f64_avx512(n, x, y)
        case .expm1: bp_expm1_f64_avx512(n, x, y)
        case .log: bp_log_f64_avx512(n, x, y)
        case .log1p: bp_log1p_f64_avx512(n, x, y)
        case .tanh: bp_tanh_f64_avx512(n, x, y)
        case .sigmoid: bp_sigmoid_f64_avx512(n, x, y)
            }
        case .avx2:
            switch self {
        case .exp: bp_exp_f64_avx2(n, x, y)
        case .expm1: bp_expm1_f64_avx2(n, x, y)
        case .log: bp_log_f64_avx2(n, x, y)
        case .log1p: bp_log1p_f64_avx2(n, x, y)
        case .tanh: bp_tanh_f64_avx2(n, x, y)
        case .sigmoid: bp_sigmoid_f64_avx2(n, x, y)
            }
        #endif
        default:
            for i in 0..<n { y[i] = swift(x[i]) }
        }
    }

    /// y[i] = f(x[i]) for i < n through `kernel` (x == y allowed).
    func apply(_ kernel: GEMMKernel, _ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        switch kernel {
        #if arch(x86_64)
        case .avx512:
            switch self {
        case .exp: bp_exp_f32_avx512(n, x, y)
        case .expm1: bp_expm1_f32_avx512(n, x, y)
        case .log: bp_log_f32_avx512(n, x, y)
        case .log1p: bp_log1p_f32_avx512(n, x, y)
        case .tanh: bp_tanh_f32_avx512(n, x, y)
        case .sigmoid: bp_sigmoid_f32_avx512(n, x, y)
            }
        case .avx2:
            switch self {
        case .exp: bp_exp_f32_avx2(n, x, y)
        case .expm1: bp_expm1_f32_avx2(n, x, y)
        case .log: bp_log_f32_avx2(n, x, y)
        case .log1p: bp_log1p_f32_avx2(n, x, y)
        case .tanh: bp_tanh_f32_avx2(n, x, y)
        case .sigmoid: bp_sigmoid_f32_avx2(n, x, y)
            }
        #endif
        default:
            for i in 0..<n { y[i] = swift(x[i]) }
        }
    }

    /// f(x) through the scalar type's own requirement (a ``TensorScalar`` other than Float
    /// and Double).
    @inlinable
    func generic<S: TensorScalar>(_ x: S) -> S {
        switch self {
        case .exp: S.exp(x)
        case .expm1: S.expm1(x)
        case .log: S.log(x)
        case .log1p: S.log1p(x)
        case .tanh: S.tanh(x)
        case .sigmoid: S.sigmoid(x)
        }
    }
}

extension Tensor {
    /// `f` applied to every element: the vectorised kernel of ``GEMMKernels/active`` (one
    /// element at a time for a tiny tensor; the same bits either way).
    @usableFromInline
    func applying(_ f: ElementwiseFunction) -> Tensor {
        let n = count
        if n < ElementwiseFunction.smallCount { return map { f.generic($0) } }
        let kernel = GEMMKernels.active
        let out = Tensor.makeStorage(count: n) { buffer in
            scalars.withUnsafeBufferPointer { x in Tensor.run(f, kernel, n, x.baseAddress!, buffer.baseAddress!) }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// ``applying(_:)`` overwriting this tensor (in place when its storage is not shared): a
    /// chain of functions over a temporary allocates it once.
    @usableFromInline
    mutating func applyInPlace(_ f: ElementwiseFunction) {
        let n = count
        if n < ElementwiseFunction.smallCount { return mapInPlace { f.generic($0) } }
        let kernel = GEMMKernels.active
        storage.withUnsafeMutableBufferPointer { x in Tensor.run(f, kernel, n, x.baseAddress!, x.baseAddress!) }
    }

    /// y[i] = f(x[i]) for i < n through `kernel` (x == y allowed).
    private static func run(_ f: ElementwiseFunction, _ kernel: GEMMKernel, _ n: Int,
                            _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        if Scalar.self == Double.self {
            f.apply(kernel, n, xr.assumingMemoryBound(to: Double.self), yr.assumingMemoryBound(to: Double.self))
        } else if Scalar.self == Float.self {
            f.apply(kernel, n, xr.assumingMemoryBound(to: Float.self), yr.assumingMemoryBound(to: Float.self))
        } else {
            for i in 0..<n { y[i] = f.generic(x[i]) }
        }
    }
}
