import Tensors

/// The unit nonlinearity f of a delta-rule network, with the derivative the δ rules use.
///
///     sigmoid:  y = f(z) = 1 / (1 + e^−z),   f′(z) = y·(1 − y)
///     relu:     y = f(z) = max(z, 0),        f′(z) = 1 if z > 0, else 0
///
/// The sigmoid's derivative is written in terms of the output y, as the texts do (and as
/// the tape's sigmoid VJP does, which is why the two agree bit for bit).
public enum DeltaRuleActivation: Sendable, Equatable {
    /// The logistic sigmoid σ, computed stably by ``Tensors/sigmoidScalar(_:)``.
    case sigmoid
    /// The rectified linear unit, with the subgradient 0 at z = 0.
    case relu

    /// y = f(z).
    @inlinable public func value<Scalar: TensorScalar>(_ z: Scalar) -> Scalar {
        switch self {
        case .sigmoid: sigmoidScalar(z)
        case .relu: z < 0 ? 0 : z
        }
    }

    /// f′(z), given z and y = f(z): y·(1 − y) for the sigmoid (the product y·(1 − y) formed
    /// in that grouping), the step 1 or 0 for ReLU.
    @inlinable public func derivative<Scalar: TensorScalar>(z: Scalar, y: Scalar) -> Scalar {
        switch self {
        case .sigmoid: y * (1 - y)
        case .relu: z > 0 ? 1 : 0
        }
    }
}
