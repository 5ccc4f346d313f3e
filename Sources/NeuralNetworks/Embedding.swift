import Autodiff
import Tensors

/// A lookup table of learned vectors (PyTorch's `nn.Embedding`): index i picks row i of W.
///
///     y[…, :] = W[indices[…], :]      W: [count, dimension],  y: shape(indices) + [dimension]
///     W̄[i, :] = Σ over positions holding i of ȳ[…, :]   (a gather, whose adjoint is a scatter-add)
///
/// W starts N(0, 1), as PyTorch's. The lookup is the differentiable `gathering(alongAxis: 0, …)`,
/// so it is differentiable to any order in W; the indices are integers and have no gradient.
public final class Embedding<Scalar: TensorScalar>: Layer {
    /// W, [count, dimension] (`"weight"`, PyTorch's layout).
    public let weight: Parameter<Scalar>

    /// The number of rows: valid indices are 0 ..< count.
    public var count: Int { weight.value.shape[0] }
    /// The length of each vector.
    public var dimension: Int { weight.value.shape[1] }

    /// A table from explicit values.
    /// - Precondition: `weight` is [count, dimension].
    public init(weight: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) {
        if weight.rank != 2 {
            ShapeError.fail("Embedding", shapes: [weight.shape], detail: "needs a weight [count, dimension]", file: file, line: line)
        }
        self.weight = Parameter(name: "weight", role: .weight, value: weight)
    }

    /// A table of `count` vectors of length `dimension`, drawn N(0, 1) from `generator`.
    public convenience init(count: Int, dimension: Int, using generator: inout SeededGenerator) {
        self.init(weight: Tensor(randomNormal: [count, dimension], using: &generator))
    }

    /// The vectors of `indices`, a tensor of `shape` in row-major order, recorded on `tape`:
    /// [shape…, dimension].
    /// - Precondition: every index is in 0 ..< count and `shape` has `indices.count` elements.
    public func callAsFunction(_ indices: [Int], shape: [Int], on tape: Tape<Scalar>,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        if Shape.count(shape) != indices.count || shape.contains(where: { $0 < 0 }) {
            ShapeError.fail("Embedding", shapes: [shape], detail: "\(indices.count) indices do not fill the shape",
                            file: file, line: line)
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            ShapeError.fail("Embedding", shapes: [weight.value.shape],
                            detail: "index \(bad) is out of range for a table of count \(count)", file: file, line: line)
        }
        return weight.variable(on: tape).gathering(alongAxis: 0, indices: indices, file: file, line: line)
            .reshaped(to: shape + [dimension], file: file, line: line)
    }

    /// The vectors of a rank-1 list of indices: [indices.count, dimension].
    public func callAsFunction(_ indices: [Int], on tape: Tape<Scalar>,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        self(indices, shape: [indices.count], on: tape, file: file, line: line)
    }

    /// The vectors of a variable holding integral indices (its value is read, its gradient is
    /// none): shape(input) + [dimension]. Lets the table sit in a ``Sequential``.
    /// - Precondition: every element is an integer in 0 ..< count.
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        lookUp(input, file: #fileID, line: #line)
    }

    /// The lookup of a variable holding integral indices, reporting the caller's line on a bad index.
    public func lookUp(_ input: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let indices = input.value.scalars.map { s -> Int in
            guard s.rounded() == s, s >= 0, s < Scalar(count) else {
                ShapeError.fail("Embedding", shapes: [input.shape, weight.value.shape],
                                detail: "index \(s) is not an integer in 0 ..< count \(count)", file: file, line: line)
            }
            return Int(s)
        }
        return self(indices, shape: input.shape, on: input.tape, file: file, line: line)
    }

    /// W (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { [weight] }
}
