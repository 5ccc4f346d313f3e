import Tensors

// Subscripts and multi-axis padding on variables, composed of recorded linear ops (slice,
// gather, reshape, pad) from the same plan as the Tensor subscript: each piece has its rule,
// so a subscript is differentiable to any order (x̄ = ȳ scattered back where it was taken).

extension Variable {
    /// The part a NumPy-style subscript selects, recorded:
    ///
    ///     y = x[0..<2, .ellipsis, 1];   x̄ = ȳ placed back where it was taken, zeros elsewhere
    ///
    /// An `Int` removes its axis, a range keeps it (strides, negative too, with
    /// ``SliceIndex/stride(from:to:by:)``), ``SliceIndex/ellipsis`` fills the rank,
    /// ``SliceIndex/newAxis`` inserts a 1.
    public subscript(_ entries: any SliceExpression..., file file: StaticString = #fileID, line line: UInt = #line) -> Variable {
        sliced(entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[..., i]`-style: NumPy's ellipsis first, then `entries`.
    public subscript(_ ellipsis: UnboundedRange, _ entries: any SliceExpression...,
                     file file: StaticString = #fileID, line line: UInt = #line) -> Variable {
        sliced([.remainingAxes] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, ..., j]`-style: one entry, NumPy's ellipsis, then `entries`.
    public subscript(_ first: any SliceExpression, _ ellipsis: UnboundedRange, _ entries: any SliceExpression...,
                     file file: StaticString = #fileID, line line: UInt = #line) -> Variable {
        sliced([first.sliceIndex, .remainingAxes] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// The selection of a resolved subscript, recorded as slices (stride 1), gathers (other
    /// strides) and a reshape.
    public func sliced(_ entries: [SliceIndex], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let plan = SlicePlan(entries, shape: shape, file: file, line: line)
        var y = self
        for (axis, step) in plan.steps.enumerated() {
            switch step {
            case .range(let r): if r != 0..<shape[axis] { y = y.slice(r, alongAxis: axis, file: file, line: line) }
            case .positions(let p): y = y.gathering(alongAxis: axis, indices: p, file: file, line: line)
            }
        }
        return y.shape == plan.shape ? y : y.reshaped(to: plan.shape, file: file, line: line)
    }

    /// This value padded on several axes at once (PyTorch's `F.pad`, one pair per axis from
    /// the first), with a constant:
    ///
    ///     y = x surrounded by `value`;   x̄ = the block of ȳ where x sits
    ///
    /// A non-zero `value` is added as a constant border (zero padding plus a constant), so the
    /// rule is the same linear slice.
    public func padded(with paddings: [(before: Int, after: Int)], value: Scalar = 0,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable {
        if paddings.count > rank {
            ShapeError.fail("padded", shapes: [shape], detail: "\(paddings.count) padding pairs for rank \(rank)",
                            file: file, line: line)
        }
        var y = self
        for (axis, p) in paddings.enumerated() where p.before != 0 || p.after != 0 {
            y = y.padded(alongAxis: axis, before: p.before, after: p.after, file: file, line: line)
        }
        if value == 0 { return y }
        let border = Tensor<Scalar>(zeros: shape).padded(with: paddings, value: value, file: file, line: line)
        return y.adding(tape.constant(border, file: file, line: line), file: file, line: line)
    }
}
