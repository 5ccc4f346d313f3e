import Tensors

// Sums and means along axes, and the max along an axis with its linear pair (scatter to the
// arg-max ↔ gather from it): kernels, rules, public functions.

/// The reductions along axes.
@usableFromInline
enum Reduction: String, CaseIterable, Sendable {
    case sum, mean

    /// The forward kernel; over every axis, not kept, it is the flat `sum()` / `mean()`.
    func forward<S>(_ x: Tensor<S>, axes: [Int], keepingDimensions keep: Bool) -> Tensor<S> {
        let all = !keep && axes.count == x.rank
        switch self {
        case .sum: return all ? x.sum() : x.sum(alongAxes: axes, keepingDimensions: keep)
        case .mean: return all ? x.mean() : x.mean(alongAxes: axes, keepingDimensions: keep)
        }
    }

    /// x̄ = ȳ reshaped to the kept-dimensions shape and broadcast back (÷ n for the mean).
    func pullback<A: DerivativeAlgebra>(_ g: A, x: A, axes: [Int]) -> A {
        var kept = x.shape
        for a in axes { kept[a] = 1 }
        let spread = g.reshaped(toShape: kept).broadcasted(toShape: x.shape)
        switch self {
        case .sum: return spread
        case .mean: return spread / A.Scalar(Swift.max(axes.reduce(1) { $0 * x.shape[$1] }, 1))
        }
    }
}

/// Where a max along an axis found its maxima, and the shapes on both sides.
@usableFromInline
struct ArgmaxIndices: Sendable {
    var axis: Int
    /// The flat position in the input of each output element's (first) arg-max.
    var positions: [Int]
    var inputShape: [Int]
    var outputShape: [Int]
    /// Whether outputs may share a position (overlapping pooling windows): the scatter then adds.
    var overlapping = false
}

/// The max along an axis and its linear pair.
@usableFromInline
enum ArgmaxFunction: String, CaseIterable, Sendable {
    /// The max along the axis (its output shape is `outputShape`).
    case max
    /// The max of each pooling window (its positions: the windows' first maxima; `Ops/Pooling.swift`).
    case maxPool2d
    /// The adjoint of max: each element to its arg-max position, zeros elsewhere (`inputShape`).
    case scatterToArgmax
    /// The adjoint of the scatter: the elements at the arg-max positions (`outputShape`).
    case gatherFromArgmax

    /// The forward kernel.
    func forward<S>(_ x: Tensor<S>, _ p: ArgmaxIndices) -> Tensor<S> {
        let xs = x.scalars
        switch self {
        case .max, .maxPool2d, .gatherFromArgmax: return Tensor(shape: p.outputShape, scalars: p.positions.map { xs[$0] })
        case .scatterToArgmax:
            var out = [S](repeating: 0, count: Shape.count(p.inputShape))
            if p.overlapping {
                for (r, k) in p.positions.enumerated() { out[k] += xs[r] }
            } else {
                for (r, k) in p.positions.enumerated() { out[k] = xs[r] }
            }
            return Tensor(shape: p.inputShape, scalars: out)
        }
    }

    /// x̄ from ȳ.
    func pullback<A: DerivativeAlgebra>(_ g: A, _ p: ArgmaxIndices) -> A {
        switch self {
        case .max, .maxPool2d, .gatherFromArgmax: A.argmaxOp(.scatterToArgmax, g, p)  // x̄ = ȳ at the arg-max, 0 elsewhere
        case .scatterToArgmax: A.argmaxOp(.gatherFromArgmax, g, p)         // ḡ = ȳ at the arg-max
        }
    }
}

extension Variable {
    /// Records a reduction whose value the caller computed.
    func recordReduction(_ f: Reduction, _ value: Tensor<Scalar>, axes: [Int], keepingDimensions: Bool,
                         file: StaticString, line: UInt) -> Variable {
        tape.record(.reduction(f, index, axes: axes, keepingDimensions: keepingDimensions), value: value,
                    needsGradient: needsGradient, file: file, line: line)
    }

    /// The sum of all elements (rank 0).
    ///
    ///     y = Σᵢ xᵢ;   x̄ᵢ = ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        recordReduction(.sum, value.sum(), axes: Array(0..<rank), keepingDimensions: false, file: file, line: line)
    }

    /// The mean of all elements (rank 0).
    ///
    ///     y = (1/n) Σᵢ xᵢ;   x̄ᵢ = ȳ / n
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        recordReduction(.mean, value.mean(), axes: Array(0..<rank), keepingDimensions: false, file: file, line: line)
    }

    /// Sums along axes, removing them or keeping them with size 1.
    ///
    ///     y = Σ_axes x;   x̄ = broadcast(ȳ) back to shape(x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        let resolved = Set(axes.map { Shape.normalizedAxis($0, rank: rank)! }).sorted()
        return recordReduction(.sum, v, axes: resolved, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Means along axes.
    ///
    ///     y = (1/n) Σ_axes x;   x̄ = broadcast(ȳ) / n,   n = the number of elements reduced
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        let resolved = Set(axes.map { Shape.normalizedAxis($0, rank: rank)! }).sorted()
        return recordReduction(.mean, v, axes: resolved, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Sums along the axes listed (the variadic form: `x.sum(alongAxes: 0)`).
    @inlinable
    public func sum(alongAxes axes: Int..., keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Means along the axes listed (the variadic form: `x.mean(alongAxes: 0)`).
    @inlinable
    public func mean(alongAxes axes: Int..., keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Maxima along one axis.
    ///
    ///     y = maxₖ x;   x̄ = ȳ at the first index attaining the maximum, 0 elsewhere
    ///     (the op `scatterToArgmax`, whose adjoint is `gatherFromArgmax`)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (v, indices) = value.maxWithIndices(alongAxis: axis, keepingDimensions: keepingDimensions, file: file, line: line)
        let a = Shape.normalizedAxis(axis, rank: rank)!
        let n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        let positions = indices.enumerated().map { r, k in (r / inner * n + k) * inner + r % inner }
        let p = ArgmaxIndices(axis: a, positions: positions, inputShape: shape, outputShape: v.shape)
        return tape.record(.argmax(.max, index, p), value: v, needsGradient: needsGradient, file: file, line: line)
    }
}

extension Variable {
    /// The variance along axes (the population variance, ÷ n, as NumPy's and JAX's default),
    /// composed from mean, subtract and multiply:
    ///
    ///     v = mean((x − mean(x))²);   x̄ = ȳ ⊙ 2(x − mean(x)) / n
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func variance(alongAxes axes: [Int], keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let centred = subtracting(mean(alongAxes: axes, keepingDimensions: true, file: file, line: line), file: file, line: line)
        return centred.multiplied(by: centred, file: file, line: line)
            .mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The standard deviation along axes, √variance (÷ n).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func standardDeviation(alongAxes axes: [Int], keepingDimensions: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Variable {
        sqrt(variance(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line), file: file, line: line)
    }
}
