// Distances between floating-point numbers in units in the last place (ulps), and the
// element-wise differences between two tensors that tests and the δ-rule comparison report.

/// The number of representable values of the type between two numbers: 0 when they are
/// equal (+0 and −0 count as equal), 1 for neighbours, and so on across zero.
///
///     key(x) = +(bits of |x|)  for x ≥ +0,   −(bits of |x|)  for x ≤ −0
///     ulpDistance(a, b) = |key(a) − key(b)|
///
/// The bits of |x| (exponent and significand, without the sign) are ordered like |x| itself,
/// so consecutive keys are neighbouring floats; both zeros have key 0. Infinities are the
/// values one past the largest finite ones. If either argument is NaN the distance is
/// `UInt64.max`.
///
///     ulpDistance(1.0, 1.0.nextUp) == 1;   ulpDistance(-0.0, 0.0) == 0
///     ulpDistance(-Double.leastNonzeroMagnitude, Double.leastNonzeroMagnitude) == 2
///
/// - Complexity: O(1).
@inlinable
public func ulpDistance<Scalar: TensorScalar>(_ a: Scalar, _ b: Scalar) -> UInt64 {
    if a.isNaN || b.isNaN { return UInt64.max }
    @inline(__always) func magnitudeBits(_ x: Scalar) -> UInt64 {
        (UInt64(x.exponentBitPattern) << UInt64(Scalar.significandBitCount)) | UInt64(x.significandBitPattern)
    }
    let ma = magnitudeBits(a), mb = magnitudeBits(b)
    let negativeA = a.sign == .minus && ma != 0, negativeB = b.sign == .minus && mb != 0
    if negativeA == negativeB { return ma > mb ? ma - mb : mb - ma }
    return ma + mb  // opposite signs: the distance to zero on each side (at most 2·0x7FF0… < 2⁶⁴)
}

/// How far a tensor is from a reference of the same shape, element by element.
///
///     maxAbsolute = maxᵢ |xᵢ − rᵢ|
///     relative    = maxAbsolute / maxᵢ |rᵢ|        (0 if both are 0; ∞ if only r is all 0)
///     maxULPs     = maxᵢ ulpDistance(xᵢ, rᵢ)
///
/// `relative` is normwise (∞-norm): an element whose exact value is nearly 0 because of
/// cancellation has few correct digits in both computations and would make an element-wise
/// ratio meaningless, while its absolute error is still bounded by the layer's scale. The
/// ulp distance is element-wise and so reports such elements at full strength.
public struct ElementwiseDifference: Sendable, Equatable, CustomStringConvertible {
    /// The largest absolute difference maxᵢ |xᵢ − rᵢ| (in Double).
    public let maxAbsolute: Double
    /// The largest absolute difference divided by the largest magnitude of the reference.
    public let relative: Double
    /// The largest element-wise distance in ulps of the tensors' scalar type.
    public let maxULPs: UInt64
    /// The number of elements compared.
    public let count: Int

    /// The difference of identical values: all zero.
    public static func zero(count: Int) -> ElementwiseDifference {
        ElementwiseDifference(maxAbsolute: 0, relative: 0, maxULPs: 0, count: count)
    }

    /// Creates a difference record from its measured parts.
    public init(maxAbsolute: Double, relative: Double, maxULPs: UInt64, count: Int) {
        self.maxAbsolute = maxAbsolute
        self.relative = relative
        self.maxULPs = maxULPs
        self.count = count
    }

    /// Whether every element agrees exactly in value (ulp distance 0; ±0 count as equal).
    public var isExact: Bool { maxULPs == 0 }

    /// The larger of two differences, part by part (for a maximum over layers).
    public func combined(with other: ElementwiseDifference) -> ElementwiseDifference {
        ElementwiseDifference(maxAbsolute: Swift.max(maxAbsolute, other.maxAbsolute),
                              relative: Swift.max(relative, other.relative),
                              maxULPs: Swift.max(maxULPs, other.maxULPs), count: count + other.count)
    }

    /// One line: the largest absolute difference, the relative difference and the ulps.
    public var description: String {
        "max |Δ| \(maxAbsolute), relative \(relative), \(maxULPs) ulps over \(count) elements"
    }
}

extension Tensor {
    /// This tensor's ``ElementwiseDifference`` from a reference of the same shape.
    /// - Precondition: the shapes are equal.
    /// - Complexity: O(n).
    public func difference(from reference: Tensor, file: StaticString = #fileID, line: UInt = #line)
        -> ElementwiseDifference
    {
        if shape != reference.shape {
            ShapeError.fail("difference", shapes: [shape, reference.shape], detail: "shapes must be equal",
                            file: file, line: line)
        }
        var maxAbs = 0.0, scale = 0.0
        var ulps: UInt64 = 0
        for (x, r) in Swift.zip(scalars, reference.scalars) {
            let d = Swift.abs(Double(x) - Double(r))
            maxAbs = d.isNaN || maxAbs.isNaN ? .nan : Swift.max(maxAbs, d)
            scale = Swift.max(scale, Swift.abs(Double(r)))
            ulps = Swift.max(ulps, ulpDistance(x, r))
        }
        let relative = maxAbs == 0 ? 0 : (scale == 0 ? .infinity : maxAbs / scale)
        return ElementwiseDifference(maxAbsolute: maxAbs, relative: relative, maxULPs: ulps, count: count)
    }
}
