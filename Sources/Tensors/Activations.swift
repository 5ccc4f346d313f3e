// Activations beyond the classic ones (SiLU, GELU, ELU, leaky ReLU, erf) and the element-wise
// maximum and minimum, on plain tensors; the Autodiff module records the same kernels.

/// erf x element-wise.
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func erf<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.map { Scalar.erf($0) } }

/// SiLU (swish) element-wise:
///
///     silu(x) = x·σ(x)
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func silu<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    // σ through the vectorised kernel: the same bits as x·sigmoidScalar(x) element by element.
    x.zipSameShape(x.applying(.sigmoid)) { $0 * $1 }
}

/// How ``gelu(_:approximation:)`` computes Φ.
public enum GELUApproximation: Sendable, Equatable {
    /// The exact form x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's default).
    case none
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's `approximate="tanh"`).
    case tanh
}

/// GELU element-wise, exact or with the tanh approximation:
///
///     gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2))   or   ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func gelu<Scalar>(_ x: Tensor<Scalar>, approximation: GELUApproximation = .none) -> Tensor<Scalar> {
    switch approximation {
    case .none: return x.map { $0 * (Scalar.erf($0 * Scalar(0.7071067811865476)) + 1) * Scalar(0.5) }
    case .tanh:
        let c = Scalar(0.7978845608028654), k = Scalar(0.044715)
        // tanh through the vectorised kernel: the same bits as the formula element by element.
        var t = x.map { ($0 + k * $0 * $0 * $0) * c }
        t.applyInPlace(.tanh)
        return x.zipSameShape(t) { $0 * ($1 + 1) * Scalar(0.5) }
    }
}

/// ELU element-wise:
///
///     elu(x) = x for x > 0, α(eˣ − 1) otherwise
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func elu<Scalar>(_ x: Tensor<Scalar>, alpha: Scalar = 1) -> Tensor<Scalar> {
    // eˣ − 1 through the vectorised kernel (for every element; the positive ones keep x).
    x.zipSameShape(x.applying(.expm1)) { $0 > 0 ? $0 : alpha * $1 }
}

/// Leaky ReLU element-wise:
///
///     leakyRelu(x) = x for x > 0, αx otherwise
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func leakyRelu<Scalar>(_ x: Tensor<Scalar>, alpha: Scalar = 0.01) -> Tensor<Scalar> {
    x.map { $0 > 0 ? $0 : alpha * $0 }
}

/// The element-wise maximum with NumPy broadcasting (a where a ≥ b: ties go to a).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func maximum<Scalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
    a.broadcastingZip(b, operation: "maximum", file: file, line: line) { $0 >= $1 ? $0 : $1 }
}

/// The element-wise minimum with NumPy broadcasting (a where a ≤ b: ties go to a).
@_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
public func minimum<Scalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Tensor<Scalar> {
    a.broadcastingZip(b, operation: "minimum", file: file, line: line) { $0 <= $1 ? $0 : $1 }
}
