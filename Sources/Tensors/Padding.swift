// Padding along one axis: the adjoint of slicing (slice ↔ pad are a linear pair).

extension Tensor {
    /// This tensor with `before` and `after` copies of `value` added along `axis`:
    ///
    ///     y = [c…c | x | c…c] along axis   (before, then after, slices of c)
    ///
    /// With `value` 0 it is the adjoint of ``slice(_:alongAxis:file:line:)``.
    /// - Precondition: `axis` is in range; `before` and `after` are ≥ 0.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func padded(alongAxis axis: Int, before: Int, after: Int, with value: Scalar = 0,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard let a = Shape.normalizedAxis(axis, rank: rank), before >= 0, after >= 0 else {
            ShapeError.fail("padded", shapes: [shape],
                            detail: "axis \(axis) with padding (\(before), \(after)) is out of range", file: file, line: line)
        }
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] += before + after
        var out = [Scalar]()
        out.reserveCapacity(Shape.count(outShape))
        let chunk = shape[a] * inner
        for o in 0..<outer {
            out.append(contentsOf: repeatElement(value, count: before * inner))
            out.append(contentsOf: scalars[(o * chunk)..<((o + 1) * chunk)])
            out.append(contentsOf: repeatElement(value, count: after * inner))
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }
}
