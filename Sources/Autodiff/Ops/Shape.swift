import Tensors

// Linear changes of shape and layout. Their rules are linear ops again, in pairs (as JAX's
// transposes): transpose ↔ inverse transpose, reshape ↔ reshape, broadcast ↔ sum(toShape:),
// slice ↔ pad, concatenate ↔ slices.

/// The shape and layout functions; `parameters` is a permutation, a shape, or
/// [lower, upper, axis] for a slice and [before, after, axis] for padding, or [axis, size,
/// indices…] for gather and scatter-add.
@usableFromInline
enum ShapeFunction: String, CaseIterable, Sendable {
    case transposed, reshaped, broadcast, summedToShape, slice, padded
    /// The slices at indices along an axis, and its adjoint.
    case gather, scatterAdd

    /// The forward kernel.
    func forward<S>(_ x: Tensor<S>, _ p: [Int], file: StaticString, line: UInt) -> Tensor<S> {
        switch self {
        case .transposed: x.transposed(permutation: p, file: file, line: line)
        case .reshaped: x.reshaped(to: p, file: file, line: line)
        case .broadcast: x.broadcast(to: p, file: file, line: line)
        case .summedToShape: x.sum(toShape: p, file: file, line: line)
        case .slice: x.slice(p[0]..<p[1], alongAxis: p[2], file: file, line: line)
        case .padded: x.padded(alongAxis: p[2], before: p[0], after: p[1], file: file, line: line)
        case .gather: x.gathering(alongAxis: p[0], indices: Array(p[2...]), file: file, line: line)
        case .scatterAdd: x.scatterAdding(alongAxis: p[0], indices: Array(p[2...]), size: p[1], file: file, line: line)
        }
    }

    /// x̄ from ȳ: the paired linear op.
    func pullback<A: DerivativeAlgebra>(_ g: A, x: A, _ p: [Int]) -> A {
        switch self {
        case .transposed:                         // x̄ = permute(ȳ, π⁻¹)
            var inverse = p
            for (i, axis) in p.enumerated() { inverse[axis] = i }
            return A.shapeOp(.transposed, g, inverse)
        case .reshaped: return g.reshaped(toShape: x.shape)        // x̄ = reshape(ȳ, shape(x))
        case .broadcast: return g.summed(toShape: x.shape)         // x̄ = Σ_broadcast ȳ
        case .summedToShape: return g.broadcasted(toShape: x.shape) // x̄ = broadcast(ȳ)
        case .slice:                                               // x̄ = ȳ padded with zeros
            return A.shapeOp(.padded, g, [p[0], x.shape[p[2]] - p[1], p[2]])
        case .padded:                                              // x̄ = the slice of ȳ where x sits
            return A.shapeOp(.slice, g, [p[0], p[0] + x.shape[p[2]], p[2]])
        case .gather: return A.shapeOp(.scatterAdd, g, p)          // x̄ = ȳ scatter-added at the indices
        case .scatterAdd: return A.shapeOp(.gather, g, p)          // x̄ = ȳ gathered at the indices
        }
    }
}

extension ShapeFunction {
    /// The rule in op form, for traces (`tape.trace`).
    var formula: String {
        switch self {
        case .transposed: "x̄ = permute(ȳ, π⁻¹)"
        case .reshaped: "x̄ = reshape(ȳ, shape(x))"
        case .broadcast: "x̄ = Σ_broadcast ȳ"
        case .summedToShape: "x̄ = broadcast(ȳ)"
        case .slice: "x̄ = ȳ padded with zeros"
        case .padded: "x̄ = the slice of ȳ where x sits"
        case .gather: "x̄ = ȳ scatter-added at the indices"
        case .scatterAdd: "x̄ = ȳ gathered at the indices"
        }
    }
}

extension Variable {
    /// Records a shape function whose value the caller computed (and checked, with its line).
    func recordShape(_ f: ShapeFunction, _ value: Tensor<Scalar>, _ p: [Int], file: StaticString, line: UInt) -> Variable {
        tape.record(.shape(f, index, p), value: value, needsGradient: needsGradient, file: file, line: line)
    }

    /// The matrix transpose (axes reversed, for any rank).
    ///
    ///     y = xᵀ;   x̄ = ȳᵀ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        transposed(permutation: Array((0..<rank).reversed()), file: file, line: line)
    }

    /// The axes reordered: result axis i is axis `permutation[i]`.
    ///
    ///     y = permute(x, π);   x̄ = permute(ȳ, π⁻¹)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func transposed(permutation: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        recordShape(.transposed, value.transposed(permutation: permutation, file: file, line: line), permutation,
                    file: file, line: line)
    }

    /// The same elements with a new shape (one dimension may be −1).
    ///
    ///     y = reshape(x, s);   x̄ = reshape(ȳ, shape(x))
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.reshaped(to: newShape, file: file, line: line)
        return recordShape(.reshaped, v, v.shape, file: file, line: line)
    }

    /// The value broadcast to a shape (NumPy's rules).
    ///
    ///     y = broadcast(x, s);   x̄ = Σ_broadcast ȳ  (`sum(toShape:)`)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func broadcast(toShape target: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        recordShape(.broadcast, value.broadcast(to: target, file: file, line: line), target, file: file, line: line)
    }

    /// The sum down to a shape this value broadcasts from (the adjoint of broadcasting).
    ///
    ///     y = Σ_broadcast x;   x̄ = broadcast(ȳ) to shape(x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(toShape target: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        recordShape(.summedToShape, value.sum(toShape: target, file: file, line: line), target, file: file, line: line)
    }

    /// The slice `range` along `axis`.
    ///
    ///     y = x[…, range, …];   x̄ = ȳ padded with zeros back to shape(x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func slice(_ range: Range<Int>, alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.slice(range, alongAxis: axis, file: file, line: line)
        return recordShape(.slice, v, [range.lowerBound, range.upperBound, Shape.normalizedAxis(axis, rank: rank)!],
                           file: file, line: line)
    }

    /// Zeros added before and after along `axis`.
    ///
    ///     y = [0…0 | x | 0…0];   x̄ = the slice of ȳ where x sits
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func padded(alongAxis axis: Int, before: Int, after: Int,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.padded(alongAxis: axis, before: before, after: after, file: file, line: line)
        return recordShape(.padded, v, [before, after, Shape.normalizedAxis(axis, rank: rank)!], file: file, line: line)
    }

    /// The slices at `indices` along `axis` (repeats allowed): an embedding lookup for axis 0.
    ///
    ///     y[…, k, …] = x[…, indices[k], …];   x̄ = ȳ scatter-added at the indices (op `scatterAdd`)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gathering(alongAxis axis: Int, indices: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.gathering(alongAxis: axis, indices: indices, file: file, line: line)
        let a = Shape.normalizedAxis(axis, rank: rank)!
        return recordShape(.gather, v, [a, shape[a]] + indices, file: file, line: line)
    }

    /// This value with a new axis of size 1 at `axis` (NumPy's `expand_dims`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func expandingShape(at axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = axis < 0 ? axis + rank + 1 : axis
        if a < 0 || a > rank {
            ShapeError.fail("expandingShape", shapes: [shape], detail: "axis \(axis) is out of range for rank \(rank) + 1",
                            file: file, line: line)
        }
        var s = shape
        s.insert(1, at: a)
        return reshaped(to: s, file: file, line: line)
    }

    /// This value without its axis `axis`, which must have size 1.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func squeezingShape(at axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        guard let a = Shape.normalizedAxis(axis, rank: rank), shape[a] == 1 else {
            ShapeError.fail("squeezingShape", shapes: [shape], detail: "axis \(axis) is not an axis of size 1", file: file, line: line)
        }
        var s = shape
        s.remove(at: a)
        return reshaped(to: s, file: file, line: line)
    }

    /// The elements as a vector (rank 1), in row-major order.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func flattened(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reshaped(to: [-1], file: file, line: line)
    }

    /// The pieces of `sizes` along `axis`, in order (the inverse of ``concatenate(_:alongAxis:file:line:)``).
    /// - Precondition: the sizes add up to the axis's length.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func split(sizes: [Int], alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line) -> [Variable] {
        guard let a = Shape.normalizedAxis(axis, rank: rank), sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            ShapeError.fail("split", shapes: [shape], detail: "sizes \(sizes) do not add up to the length of axis \(axis)",
                            file: file, line: line)
        }
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(start..<(start + n), alongAxis: a, file: file, line: line)
        }
    }

    /// Prepends a slice of ones along an axis, without mutation: the bias unit.
    ///
    ///     a = [1, g(z)]  (for rows of examples, axis 1: a column of ones in front)
    ///
    /// Recorded as a concatenation with a constant; the ones receive no adjoint.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func prependingOnes(alongAxis axis: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        guard let a = Shape.normalizedAxis(axis, rank: rank) else {
            ShapeError.fail("prependingOnes", shapes: [shape], detail: "axis \(axis) is out of range for rank \(rank)",
                            file: file, line: line)
        }
        var onesShape = shape
        onesShape[a] = 1
        return concatenate([tape.constant(Tensor(ones: onesShape), file: file, line: line), self], alongAxis: a, file: file, line: line)
    }
}

/// Variables of one shape joined along a new axis (NumPy's `stack`): each gains a size-1 axis at
/// `axis`, then they are concatenated.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func stacked<S>(_ xs: [Variable<S>], alongAxis axis: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    concatenate(xs.map { $0.expandingShape(at: axis, file: file, line: line) },
                alongAxis: axis < 0 ? axis + (xs.first?.rank ?? 0) + 1 : axis, file: file, line: line)
}

/// `x` with each element kept with probability 1 − rate and scaled by 1/(1 − rate), else 0,
/// the mask drawn from `generator` (our seeded generator: the same seed gives the same mask on
/// every platform). Recorded as a product with a constant mask, so ∂/∂x is the same mask.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func dropout<S>(_ x: Variable<S>, rate: Double, using generator: inout SeededGenerator,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    if !(rate >= 0 && rate < 1) {
        ShapeError.fail("dropout", shapes: [x.shape], detail: "rate \(rate) is outside [0, 1)", file: file, line: line)
    }
    if rate == 0 { return x }
    let keep = S(1 / (1 - rate))
    var mask = [S](repeating: 0, count: x.value.count)
    for i in mask.indices where generator.nextUnitDouble() >= rate { mask[i] = keep }
    return x.multiplied(by: x.tape.constant(Tensor(shape: x.shape, scalars: mask), file: file, line: line), file: file, line: line)
}

/// A constant copy of `x`: the same value, but no adjoint flows back through it — at any
/// order (it is a leaf, so no later differentiation sees through it).
///
///     y = x;   x̄ = 0
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func stopGradient<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.tape.constant(x.value, file: file, line: line)
}
