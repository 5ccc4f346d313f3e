// Reductions: sums, means and maxima over all elements or along axes. Every reduction adds
// its inputs in increasing row-major order, so results never depend on threads or tiling.

extension Tensor {
    /// The sum of all elements, a rank-0 tensor: Σᵢ xᵢ (added in row-major order).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum() -> Tensor {
        var s: Scalar = 0
        scalars.withUnsafeBufferPointer { x in
            for v in x { s += v }
        }
        return Tensor(s)
    }

    /// The mean of all elements, a rank-0 tensor: (1/n) Σᵢ xᵢ.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean() -> Tensor {
        Tensor(sum().scalars[0] / Scalar(Swift.max(count, 1)))
    }

    /// Validated, sorted, de-duplicated axes; stops with a message naming `operation` if one is out of range.
    func resolvedAxes(_ axes: [Int], operation: String, file: StaticString, line: UInt) -> [Int] {
        var out = [Int]()
        for a in axes {
            guard let r = Shape.normalizedAxis(a, rank: rank) else {
                ShapeError.fail(operation, shapes: [shape], detail: "axis \(a) is out of range for rank \(rank)",
                                file: file, line: line)
            }
            if !out.contains(r) { out.append(r) }
        }
        return out.sorted()
    }

    /// The shape after reducing `axes`: those dimensions become 1 (kept) or are removed.
    static func reducedShape(_ shape: [Int], axes: [Int], keepingDimensions: Bool) -> [Int] {
        keepingDimensions
            ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sums along the given axes.
    ///
    ///     y[i…] = Σ over the reduced indices of x[…]
    ///
    /// - Parameters:
    ///   - axes: the axes to reduce (negative counts from the end).
    ///   - keepingDimensions: keep reduced axes with size 1 (NumPy's `keepdims`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(
        alongAxes axes: [Int], keepingDimensions: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = resolvedAxes(axes, operation: "sum", file: file, line: line)
        if rank == 0 { return self }
        let kept = Tensor.reducedShape(shape, axes: axes, keepingDimensions: true)
        var out = Tensor.zeroedStorage(count: Shape.count(kept))
        if count > 0 {
            var outStrides = Shape.strides(kept)
            for a in axes { outStrides[a] = 0 }
            let r = rank
            let inner = shape[r - 1]
            let innerStride = outStrides[r - 1]
            out.withUnsafeMutableBufferPointer { o in
                scalars.withUnsafeBufferPointer { x in
                    var index = [Int](repeating: 0, count: r)
                    var i = 0, base = 0
                    while i < x.count {
                        if innerStride == 0 {
                            var s = o[base]
                            for j in 0..<inner { s += x[i + j] }
                            o[base] = s
                        } else {
                            for j in 0..<inner { o[base + j] += x[i + j] }
                        }
                        i += inner
                        var axis = r - 2
                        while axis >= 0 {
                            index[axis] += 1
                            base += outStrides[axis]
                            if index[axis] < shape[axis] { break }
                            base -= outStrides[axis] * shape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: Tensor.reducedShape(shape, axes: axes, keepingDimensions: keepingDimensions),
                      scalars: out)
    }

    /// Sums along the axes listed (the variadic form: `x.sum(alongAxes: 0)`, `x.sum(alongAxes: 0, 1)`).
    @inlinable
    public func sum(alongAxes axes: Int..., keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        sum(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Means along the axes listed (the variadic form: `x.mean(alongAxes: 0)`).
    @inlinable
    public func mean(alongAxes axes: Int..., keepingDimensions: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// Means along the given axes: the sum divided by the number of elements reduced.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func mean(
        alongAxes axes: [Int], keepingDimensions: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let resolved = resolvedAxes(axes, operation: "mean", file: file, line: line)
        let n = resolved.reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: resolved, keepingDimensions: keepingDimensions, file: file, line: line) / Scalar(Swift.max(n, 1))
    }

    /// The maxima along one axis and, for each, the index along that axis of its first
    /// occurrence (NaN counts as the largest value, so it propagates like NumPy's `max`).
    /// - Precondition: the axis is non-empty.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func maxWithIndices(
        alongAxis axis: Int, keepingDimensions: Bool = false,
        file: StaticString = #fileID, line: UInt = #line
    ) -> (values: Tensor, indices: [Int]) {
        guard let a = Shape.normalizedAxis(axis, rank: rank) else {
            ShapeError.fail("max", shapes: [shape], detail: "axis \(axis) is out of range for rank \(rank)",
                            file: file, line: line)
        }
        let n = shape[a]
        if n == 0 {
            ShapeError.fail("max", shapes: [shape], detail: "axis \(axis) is empty", file: file, line: line)
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var values = [Scalar](repeating: 0, count: outer * inner)
        var indices = [Int](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { x in
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = x[o * n * inner + i]
                    var bestIndex = 0
                    if !best.isNaN {
                        for k in 1..<Swift.max(n, 1) {
                            let v = x[(o * n + k) * inner + i]
                            if v.isNaN || v > best {
                                best = v
                                bestIndex = k
                                if v.isNaN { break }
                            }
                        }
                    }
                    values[o * inner + i] = best
                    indices[o * inner + i] = bestIndex
                }
            }
        }
        let outShape = Tensor.reducedShape(shape, axes: [a], keepingDimensions: keepingDimensions)
        return (Tensor(uncheckedShape: outShape, scalars: values), indices)
    }

    /// The maxima along one axis (see ``maxWithIndices(alongAxis:keepingDimensions:file:line:)``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        maxWithIndices(alongAxis: axis, keepingDimensions: keepingDimensions, file: file, line: line).values
    }

    /// The sum of this tensor down to a shape it was broadcast from (the adjoint of broadcasting):
    /// leading extra axes are summed away, and axes where `target` has size 1 are summed with
    /// their dimension kept.
    /// - Precondition: `target` broadcasts to this tensor's shape.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sum(toShape target: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if shape == target { return self }
        // A matrix summed to a row ([m, n] → [n] or [1, n]), the bias adjoint of every dense
        // layer: the same additions in the same order as the general path (row by row,
        // starting from 0), without its shape bookkeeping.
        if rank == 2, target == [shape[1]] || target == [1, shape[1]] {
            let m = shape[0], n = shape[1]
            var out = Tensor.zeroedStorage(count: n)
            out.withUnsafeMutableBufferPointer { o in
                scalars.withUnsafeBufferPointer { x in
                    for i in 0..<m {
                        let row = i * n
                        for j in 0..<n { o[j] += x[row + j] }
                    }
                }
            }
            return Tensor(uncheckedShape: target, scalars: out)
        }
        guard let b = Shape.broadcast(target, shape), b == shape else {
            ShapeError.fail("sum(toShape:)", shapes: [shape, target],
                            detail: "the second shape does not broadcast to the first", file: file, line: line)
        }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        var r = sum(alongAxes: axes, keepingDimensions: true, file: file, line: line)
        r.storageShape = target
        return r
    }
}

extension Tensor {
    /// The variance along axes (the population variance, ÷ n, as NumPy's default):
    ///
    ///     v = mean((x − mean(x))²)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func variance(alongAxes axes: [Int], keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let centred = subtracting(mean(alongAxes: axes, keepingDimensions: true, file: file, line: line), file: file, line: line)
        return (centred * centred).mean(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line)
    }

    /// The standard deviation along axes, √variance (÷ n).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func standardDeviation(alongAxes axes: [Int], keepingDimensions: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        variance(alongAxes: axes, keepingDimensions: keepingDimensions, file: file, line: line).map { $0.squareRoot() }
    }
}
