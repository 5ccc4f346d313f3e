// Element-wise comparisons returning masks: 1 where the relation holds, 0 elsewhere, with
// NumPy broadcasting. A NaN compares false with everything (IEEE 754), so `x .!= x` marks NaNs.
// The operators are the standard library's point-wise ones (`.<`, `.==`, …), as in
// swift-apis and mlx-swift; masks feed `select`, `masked` products and counts.

extension Tensor {
    /// The mask of `relation` between corresponding elements, broadcast (NumPy's rules):
    /// mᵢ = 1 if relation(xᵢ, yᵢ), else 0.
    /// - Precondition: the shapes broadcast; a mismatch names `operation`, both shapes and the caller's line.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func comparing(_ other: Tensor, operation: String = "compare", file: StaticString = #fileID, line: UInt = #line,
                          by relation: (Scalar, Scalar) -> Bool) -> Tensor {
        broadcastingZip(other, operation: operation, file: file, line: line) { relation($0, $1) ? 1 : 0 }
    }

    /// mᵢ = 1 if xᵢ < yᵢ, else 0 (broadcast).
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".<", file: "", line: 0, by: <) }
    /// mᵢ = 1 if xᵢ ≤ yᵢ, else 0 (broadcast).
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".<=", file: "", line: 0, by: <=) }
    /// mᵢ = 1 if xᵢ > yᵢ, else 0 (broadcast).
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".>", file: "", line: 0, by: >) }
    /// mᵢ = 1 if xᵢ ≥ yᵢ, else 0 (broadcast).
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".>=", file: "", line: 0, by: >=) }
    /// mᵢ = 1 if xᵢ = yᵢ, else 0 (broadcast).
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".==", file: "", line: 0, by: ==) }
    /// mᵢ = 1 if xᵢ ≠ yᵢ, else 0 (broadcast; NaN ≠ NaN).
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.comparing(rhs, operation: ".!=", file: "", line: 0, by: !=) }

    /// mᵢ = 1 if xᵢ < c, else 0.
    public static func .< (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 < rhs ? 1 : 0 } }
    /// mᵢ = 1 if xᵢ ≤ c, else 0.
    public static func .<= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 <= rhs ? 1 : 0 } }
    /// mᵢ = 1 if xᵢ > c, else 0.
    public static func .> (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 > rhs ? 1 : 0 } }
    /// mᵢ = 1 if xᵢ ≥ c, else 0.
    public static func .>= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 >= rhs ? 1 : 0 } }
    /// mᵢ = 1 if xᵢ = c, else 0.
    public static func .== (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 == rhs ? 1 : 0 } }
    /// mᵢ = 1 if xᵢ ≠ c, else 0.
    public static func .!= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 != rhs ? 1 : 0 } }

    /// mᵢ = 1 if c < xᵢ, else 0.
    public static func .< (lhs: Scalar, rhs: Tensor) -> Tensor { rhs .> lhs }
    /// mᵢ = 1 if c ≤ xᵢ, else 0.
    public static func .<= (lhs: Scalar, rhs: Tensor) -> Tensor { rhs .>= lhs }
    /// mᵢ = 1 if c > xᵢ, else 0.
    public static func .> (lhs: Scalar, rhs: Tensor) -> Tensor { rhs .< lhs }
    /// mᵢ = 1 if c ≥ xᵢ, else 0.
    public static func .>= (lhs: Scalar, rhs: Tensor) -> Tensor { rhs .<= lhs }

    /// The number of non-zero elements (of a mask: how many hold).
    public var nonzeroCount: Int { scalars.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
}
