import Tensors

// Matrix product, bias addition and shape operations.

/// The matrix product of two rank-2 variables.
///
///     C = A·B;   Ā = C̄·Bᵀ,   B̄ = Aᵀ·C̄
///
/// The transposes are absorbed by the GEMM kernel, never materialised.
/// - Precondition: both are rank 2 and A's columns equal B's rows.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func matmul<S>(_ a: Variable<S>, _ b: Variable<S>, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkSameTape(a, b, "matmul", file: file, line: line)
    return a.tape.record(.matmul(a.index, b.index), value: matmul(a.value, b.value, file: file, line: line),
                         needsGradient: a.needsGradient || b.needsGradient)
}

extension Variable {
    /// The matrix product (see ``matmul(_:_:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func matmul(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Autodiff.matmul(self, other, file: file, line: line)
    }

    /// Adds a bias row vector to every row of a matrix.
    ///
    ///     zᵢⱼ = xᵢⱼ + bⱼ;   x̄ = z̄,   b̄ⱼ = Σᵢ z̄ᵢⱼ (rows added in order)
    ///
    /// - Parameter bias: shape [n] or [1, n] for a self of shape [m, n].
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func addingBias(_ bias: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        checkSameTape(self, bias, "addBias", file: file, line: line)
        // The forward checks the shapes (Tensor.addingBias) and reports the caller's line.
        return tape.record(.addBias(index, bias.index), value: value.addingBias(bias.value, file: file, line: line),
                           needsGradient: needsGradient || bias.needsGradient)
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
        tape.record(.transpose(index, permutation: permutation),
                    value: value.transposed(permutation: permutation, file: file, line: line), needsGradient: needsGradient)
    }

    /// The same elements with a new shape (one dimension may be −1).
    ///
    ///     y = reshape(x, s);   x̄ = reshape(ȳ, shape(x))
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        tape.record(.reshape(index), value: value.reshaped(to: newShape, file: file, line: line), needsGradient: needsGradient)
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
        return concatenate([tape.constant(Tensor(ones: onesShape)), self], alongAxis: a, file: file, line: line)
    }
}

extension VJP {
    static func transpose<S>(_ g: Tensor<S>, permutation p: [Int]) -> Tensor<S> {
        var inverse = p
        for (i, axis) in p.enumerated() { inverse[axis] = i }
        return g.transposed(permutation: inverse)
    }
}

/// Joins variables along an axis.
///
///     y = [x₀ | x₁ | …];   x̄ₖ = the slice of ȳ where xₖ sits
///
/// - Precondition: shapes agree except along `axis`; all on one tape.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func concatenate<S>(_ xs: [Variable<S>], alongAxis axis: Int,
                           file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    guard let first = xs.first else {
        ShapeError.fail("concatenate", shapes: [], detail: "no variables to join", file: file, line: line)
    }
    for x in xs { checkSameTape(first, x, "concatenate", file: file, line: line) }
    let value = concatenate(xs.map(\.value), alongAxis: axis, file: file, line: line)
    let a = Shape.normalizedAxis(axis, rank: first.rank)!
    return first.tape.record(.concatenate(xs.map(\.index), axis: a), value: value,
                             needsGradient: xs.contains(where: \.needsGradient))
}

/// A constant copy of `x`: the same value, but no adjoint flows back through it.
///
///     y = x;   x̄ = 0
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func stopGradient<S>(_ x: Variable<S>) -> Variable<S> { x.tape.constant(x.value) }
