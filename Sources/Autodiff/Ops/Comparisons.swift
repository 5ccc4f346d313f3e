import Tensors

// Comparisons of variables return constant masks (Tensors): a comparison is piecewise
// constant, so it has no adjoint, and a mask is what `select` and `masked` products take.
// Nothing is recorded.

extension Variable {
    /// mᵢ = 1 if xᵢ < yᵢ, else 0 (broadcast); a constant mask, not recorded.
    public static func .< (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .< rhs.value }
    /// mᵢ = 1 if xᵢ ≤ yᵢ, else 0 (broadcast).
    public static func .<= (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .<= rhs.value }
    /// mᵢ = 1 if xᵢ > yᵢ, else 0 (broadcast).
    public static func .> (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .> rhs.value }
    /// mᵢ = 1 if xᵢ ≥ yᵢ, else 0 (broadcast).
    public static func .>= (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .>= rhs.value }
    /// mᵢ = 1 if xᵢ = yᵢ, else 0 (broadcast).
    public static func .== (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .== rhs.value }
    /// mᵢ = 1 if xᵢ ≠ yᵢ, else 0 (broadcast).
    public static func .!= (lhs: Variable, rhs: Variable) -> Tensor<Scalar> { lhs.value .!= rhs.value }

    /// mᵢ = 1 if xᵢ < c, else 0.
    public static func .< (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .< rhs }
    /// mᵢ = 1 if xᵢ ≤ c, else 0.
    public static func .<= (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .<= rhs }
    /// mᵢ = 1 if xᵢ > c, else 0.
    public static func .> (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .> rhs }
    /// mᵢ = 1 if xᵢ ≥ c, else 0.
    public static func .>= (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .>= rhs }
    /// mᵢ = 1 if xᵢ = c, else 0.
    public static func .== (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .== rhs }
    /// mᵢ = 1 if xᵢ ≠ c, else 0.
    public static func .!= (lhs: Variable, rhs: Scalar) -> Tensor<Scalar> { lhs.value .!= rhs }

    /// mᵢ = 1 if xᵢ < yᵢ for a constant y, else 0 (broadcast).
    public static func .< (lhs: Variable, rhs: Tensor<Scalar>) -> Tensor<Scalar> { lhs.value .< rhs }
    /// mᵢ = 1 if xᵢ > yᵢ for a constant y, else 0 (broadcast).
    public static func .> (lhs: Variable, rhs: Tensor<Scalar>) -> Tensor<Scalar> { lhs.value .> rhs }
}

/// zᵢ = aᵢ where conditionᵢ ≠ 0, else the constant b (see ``select(_:_:_:file:line:)``):
///
///     z = c ? a : b;   ā = Σ_broadcast(c ? z̄ : 0)
///
/// `select(x .> 0, log(x), 0)` has a finite gradient at x = 0 (the untaken branch gets exact zeros).
public func select<S>(_ condition: Tensor<S>, _ a: Variable<S>, _ b: S,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    select(condition, a, a.tape.constant(Tensor(b), file: file, line: line), file: file, line: line)
}

/// zᵢ = the constant a where conditionᵢ ≠ 0, else bᵢ:
///
///     z = c ? a : b;   b̄ = Σ_broadcast(c ? 0 : z̄)
public func select<S>(_ condition: Tensor<S>, _ a: S, _ b: Variable<S>,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    select(condition, b.tape.constant(Tensor(a), file: file, line: line), b, file: file, line: line)
}
