import Tensors

// Sums, means, maxima, softmax and log-softmax.

extension Variable {
    /// The sum of all elements (rank 0).
    ///
    ///     y = Σᵢ xᵢ;   x̄ᵢ = ȳ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum() -> Variable {
        tape.record(.sum(index, axes: Array(0..<rank), keepingDimensions: false), value: value.sum(),
                    needsGradient: needsGradient)
    }

    /// The mean of all elements (rank 0).
    ///
    ///     y = (1/n) Σᵢ xᵢ;   x̄ᵢ = ȳ / n
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean() -> Variable {
        tape.record(.mean(index, axes: Array(0..<rank), keepingDimensions: false), value: value.mean(),
                    needsGradient: needsGradient)
    }

    /// Sums along axes, removing them or keeping them with size 1.
    ///
    ///     y = Σ_axes x;   x̄ = broadcast(ȳ) back to shape(x)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        let resolved = Set(axes.map { Shape.normalizedAxis($0, rank: rank)! }).sorted()
        return tape.record(.sum(index, axes: resolved, keepingDimensions: keepingDimensions), value: v,
                           needsGradient: needsGradient)
    }

    /// Means along axes.
    ///
    ///     y = (1/n) Σ_axes x;   x̄ = broadcast(ȳ) / n,   n = the number of elements reduced
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let v = value.mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
        let resolved = Set(axes.map { Shape.normalizedAxis($0, rank: rank)! }).sorted()
        return tape.record(.mean(index, axes: resolved, keepingDimensions: keepingDimensions), value: v,
                           needsGradient: needsGradient)
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
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (v, indices) = value.maxWithIndices(alongAxis: axis, keepingDimensions: keepingDimensions, file: file, line: line)
        return tape.record(.max(index, axis: Shape.normalizedAxis(axis, rank: rank)!, keepingDimensions: keepingDimensions,
                                indices: indices),
                           value: v, needsGradient: needsGradient)
    }
}

extension VJP {
    /// ȳ reshaped to the kept-dimensions shape and broadcast back to the input's shape.
    static func sum<S>(_ g: Tensor<S>, inputShape: [Int], axes: [Int], keepingDimensions: Bool) -> Tensor<S> {
        var kept = inputShape
        for a in axes { kept[a] = 1 }
        return g.reshaped(to: kept).broadcast(to: inputShape)
    }

    static func mean<S>(_ g: Tensor<S>, inputShape: [Int], axes: [Int], keepingDimensions: Bool) -> Tensor<S> {
        let n = axes.reduce(1) { $0 * inputShape[$1] }
        return sum(g, inputShape: inputShape, axes: axes, keepingDimensions: keepingDimensions) / S(Swift.max(n, 1))
    }

    /// Scatters ȳ to the recorded argmax positions.
    static func max<S>(_ g: Tensor<S>, inputShape: [Int], axis: Int, keepingDimensions: Bool, indices: [Int]) -> Tensor<S> {
        let n = inputShape[axis]
        let inner = inputShape[(axis + 1)...].reduce(1, *)
        var out = [S](repeating: 0, count: Shape.count(inputShape))
        let gs = g.scalars
        for (r, k) in indices.enumerated() {
            let o = r / inner, i = r % inner
            out[(o * n + k) * inner + i] = gs[r]
        }
        return Tensor(shape: inputShape, scalars: out)
    }
}

/// Softmax along an axis, stable for any input.
///
///     yᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x);   x̄ = y ⊙ (ȳ − Σⱼ ȳⱼyⱼ)
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let v = x.value.softmax(alongAxis: axis, file: file, line: line)
    return x.unary(v, .softmax(x.index, axis: Shape.normalizedAxis(axis, rank: x.rank)!))
}

/// Log-softmax along an axis, stable for any input.
///
///     yᵢ = xᵢ − max x − ln Σⱼ e^(xⱼ − max x);   x̄ = ȳ − softmax(x) ⊙ Σⱼ ȳⱼ
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSoftmax<S>(_ x: Variable<S>, alongAxis axis: Int = -1,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let v = x.value.logSoftmax(alongAxis: axis, file: file, line: line)
    return x.unary(v, .logSoftmax(x.index, axis: Shape.normalizedAxis(axis, rank: x.rank)!))
}

/// ln Σ eˣ along an axis, computed stably and composed from primitives (no VJP of its own):
///
///     y = m + ln Σⱼ e^(xⱼ − m),   m = max x held constant;   x̄ = ȳ ⊙ softmax(x)
///
/// m only shifts the exponentials, so it is taken through ``stopGradient(_:)``: the gradient
/// flows through the sum alone, and is exactly softmax(x) up to rounding. Infinite inputs give
/// NaN (∞ − ∞), as `x − max x` does.
/// - Parameters:
///   - axis: the axis to reduce (negative counts from the end).
///   - keepingDimensions: keep it with size 1.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSumExp<S>(_ x: Variable<S>, alongAxis axis: Int = -1, keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    let m = stopGradient(x.max(alongAxis: axis, keepingDimensions: true, file: file, line: line))
    let y = log(exp(x.subtracting(m, file: file, line: line)).sum(alongAxes: [axis], keepingDimensions: true,
                                                                  file: file, line: line)).adding(m, file: file, line: line)
    if keepingDimensions { return y }
    var shape = x.shape
    shape.remove(at: Shape.normalizedAxis(axis, rank: x.rank)!)
    return y.reshaped(to: shape, file: file, line: line)
}

extension VJP {
    @_specialize(where S == Float) @_specialize(where S == Double)
    static func softmax<S>(_ g: Tensor<S>, output y: Tensor<S>, axis: Int) -> Tensor<S> {
        let gy = g.zip(y, masked)
        return y * (g - gy.sum(alongAxes: [axis], keepingDimensions: true))
    }

    @_specialize(where S == Float) @_specialize(where S == Double)
    static func logSoftmax<S>(_ g: Tensor<S>, output y: Tensor<S>, axis: Int) -> Tensor<S> {
        g - Tensors.exp(y) * g.sum(alongAxes: [axis], keepingDimensions: true)
    }
}
