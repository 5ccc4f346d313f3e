import Autodiff
import Tensors

/// Flattens the axes from `startAxis` on into one (PyTorch's `nn.Flatten`): [N, C, H, W] →
/// [N, C·H·W] for the default `startAxis` 1. No parameters; ∂ is the reshape back.
public final class Flatten<Scalar: TensorScalar>: Layer {
    /// The first axis folded into the last one.
    public let startAxis: Int

    /// A layer keeping the axes before `startAxis` and folding the rest into one.
    public init(startAxis: Int = 1) { self.startAxis = startAxis }

    /// x reshaped to [d₀, …, d_{start−1}, Π d_{start…}].
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { apply(x) }

    /// The layer, reporting an axis out of range at the caller's line.
    public func apply(_ x: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let start = startAxis < 0 ? startAxis + x.rank : startAxis
        if start < 0 || start > x.rank {
            ShapeError.fail("Flatten", shapes: [x.shape], detail: "start axis \(startAxis) is out of range for rank \(x.rank)",
                            file: file, line: line)
        }
        let kept = Array(x.shape[..<start])
        let folded = x.shape[start...].reduce(1, *)
        return x.reshaped(to: kept + [folded], file: file, line: line)
    }
}

/// A residual connection around a body: y = x + body(x) (He et al.'s skip connection; the
/// adjoint is x̄ = ȳ + body's x̄). The body's output must have the input's shape.
public final class ResidualConnection<Scalar: TensorScalar>: Layer {
    /// The branch added to the identity.
    public let body: any Layer<Scalar>

    /// x + body(x).
    public init(_ body: any Layer<Scalar>) { self.body = body }

    /// x + body(x), recorded.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { apply(x) }

    /// The layer, reporting a body whose output shape differs from its input's at the caller's line.
    public func apply(_ x: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let y = body(x)
        if y.shape != x.shape {
            ShapeError.fail("ResidualConnection", shapes: [x.shape, y.shape],
                            detail: "the body must keep the input's shape", file: file, line: line)
        }
        return x.adding(y, file: file, line: line)
    }
}

/// A parameter-free function as a layer, e.g. `Lambda { relu($0) }` between two `Dense`
/// layers of a `Sequential` (PyTorch's `nn.ReLU()` and friends).
public final class Lambda<Scalar: TensorScalar>: Layer {
    /// The function.
    public let function: (Variable<Scalar>) -> Variable<Scalar>

    /// A layer applying `function`.
    public init(_ function: @escaping (Variable<Scalar>) -> Variable<Scalar>) { self.function = function }

    /// function(x).
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { function(x) }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}
