import Tensors

// Linear changes of shape and layout. Their rules are linear ops again, in pairs (as JAX's
// transposes): transpose ↔ inverse transpose, reshape ↔ reshape, broadcast ↔ sum(toShape:),
// slice ↔ pad, concatenate ↔ slices.

/// The shape and layout functions; `parameters` is a permutation, a shape, or
/// [lower, upper, axis] for a slice and [before, after, axis] for padding.
@usableFromInline
enum ShapeFunction: String, CaseIterable, Sendable {
    case transposed, reshaped, broadcast, summedToShape, slice, padded

    /// The forward kernel.
    func forward<S>(_ x: Tensor<S>, _ p: [Int], file: StaticString, line: UInt) -> Tensor<S> {
        switch self {
        case .transposed: x.transposed(permutation: p, file: file, line: line)
        case .reshaped: x.reshaped(to: p, file: file, line: line)
        case .broadcast: x.broadcast(to: p, file: file, line: line)
        case .summedToShape: x.sum(toShape: p, file: file, line: line)
        case .slice: x.slice(p[0]..<p[1], alongAxis: p[2], file: file, line: line)
        case .padded: x.padded(alongAxis: p[2], before: p[0], after: p[1], file: file, line: line)
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

/// A constant copy of `x`: the same value, but no adjoint flows back through it — at any
/// order (it is a leaf, so no later differentiation sees through it).
///
///     y = x;   x̄ = 0
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func stopGradient<S>(_ x: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    x.tape.constant(x.value, file: file, line: line)
}
