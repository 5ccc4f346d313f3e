// Gathering slices by index along an axis, and its adjoint, scatter-adding them back.

extension Tensor {
    /// The slices at `indices` along `axis`, in that order (repeats allowed): an embedding
    /// lookup for axis 0, PyTorch's `index_select`.
    ///
    ///     y[…, k, …] = x[…, indices[k], …]
    ///
    /// - Precondition: every index is in 0..<shape[axis].
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gathering(alongAxis axis: Int, indices: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard let a = Shape.normalizedAxis(axis, rank: rank) else {
            ShapeError.fail("gather", shapes: [shape], detail: "axis \(axis) is out of range for rank \(rank)", file: file, line: line)
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= shape[a] }) {
            ShapeError.fail("gather", shapes: [shape], detail: "index \(bad) is outside 0..<\(shape[a]) along axis \(a)",
                            file: file, line: line)
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), n = shape[a]
        var outShape = shape
        outShape[a] = indices.count
        var out = [Scalar]()
        out.reserveCapacity(Shape.count(outShape))
        for o in 0..<outer {
            for k in indices {
                let base = (o * n + k) * inner
                out.append(contentsOf: scalars[base..<(base + inner)])
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }

    /// The adjoint of ``gathering(alongAxis:indices:file:line:)``: zeros of `size` along `axis`,
    /// with slice k of this tensor added at `indices[k]` (repeated indices add up, in order).
    ///
    ///     y[…, indices[k], …] += x[…, k, …]
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func scatterAdding(alongAxis axis: Int, indices: [Int], size: Int,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard let a = Shape.normalizedAxis(axis, rank: rank), shape[a] == indices.count, size >= 0,
              indices.allSatisfy({ $0 >= 0 && $0 < size }) else {
            ShapeError.fail("scatterAdd", shapes: [shape], detail: "needs \(indices.count) slices along axis \(axis), indices in 0..<\(size)",
                            file: file, line: line)
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = size
        var out = [Scalar](repeating: 0, count: Shape.count(outShape))
        let xs = scalars
        for o in 0..<outer {
            for (k, target) in indices.enumerated() {
                let from = (o * indices.count + k) * inner, to = (o * size + target) * inner
                for i in 0..<inner { out[to + i] += xs[from + i] }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }
}
