// NumPy-style subscripts: `x[0..<2, .ellipsis, 1]`, `x[..., .stride(from: 7, to: -1, by: -2)]`.
// An index is resolved once, against the shape, into a plan of simple steps (one slice or
// gather per axis, then a reshape), so the same plan drives the Tensor kernels and the recorded
// ops of a Variable — whose rules (slice ↔ pad, gather ↔ scatter-add, reshape) are then
// differentiable to any order.

/// One entry of a subscript: what it does to one axis (or, for the ellipsis, to several).
public enum SliceIndex: Sendable, Equatable {
    /// A single position; the axis is removed (NumPy's `x[i]`). Negative counts from the end.
    case index(Int)
    /// Python's slice `lower:upper:stride` (each bound optional, negative counts from the end,
    /// out-of-range bounds clamped; a negative stride walks backwards). The axis is kept.
    case range(lower: Int?, upper: Int?, stride: Int)
    /// As many whole axes as make the subscript cover the rank (NumPy's `...`).
    case remainingAxes
    /// A new axis of size 1 here (NumPy's `None` / `newaxis`).
    case insertedAxis
}

/// Anything usable inside a tensor subscript: `Int`, the ranges of `Int`, and ``SliceIndex``.
public protocol SliceExpression {
    /// The subscript entry this value stands for.
    var sliceIndex: SliceIndex { get }
}

/// A subscript entry that is not a single position: a range, a stride, an ellipsis or a new
/// axis. A `Tensor` subscript needs one (an all-`Int` subscript reads a scalar), so `x[i]`
/// on a tensor stays unambiguous.
public protocol RangeSliceExpression: SliceExpression {}

extension SliceIndex: RangeSliceExpression {
    /// Itself.
    public var sliceIndex: SliceIndex { self }
}

extension SliceExpression where Self == SliceIndex {
    /// NumPy's `...`: whole axes filling the rank (also spelled `...` itself, in first or second place).
    public static var ellipsis: SliceIndex { .remainingAxes }
    /// NumPy's `newaxis`: a new axis of size 1.
    public static var newAxis: SliceIndex { .insertedAxis }
    /// One whole axis (NumPy's `:`).
    public static var all: SliceIndex { .range(lower: nil, upper: nil, stride: 1) }
    /// Python's `start:end:stride` (end excluded; a negative stride walks backwards from `start`).
    public static func stride(from start: Int? = nil, to end: Int? = nil, by stride: Int) -> SliceIndex {
        .range(lower: start, upper: end, stride: stride)
    }
}

extension Int: SliceExpression {
    /// ``SliceIndex/index(_:)``.
    public var sliceIndex: SliceIndex { .index(self) }
}

extension Range: SliceExpression, RangeSliceExpression where Bound == Int {
    /// `lower..<upper`, stride 1.
    public var sliceIndex: SliceIndex { .range(lower: lowerBound, upper: upperBound, stride: 1) }
}

extension ClosedRange: SliceExpression, RangeSliceExpression where Bound == Int {
    /// `lower...upper`, stride 1 (upper included; −1 means the last position).
    public var sliceIndex: SliceIndex {
        .range(lower: lowerBound, upper: upperBound == -1 ? nil : upperBound + 1, stride: 1)
    }
}

extension PartialRangeFrom: SliceExpression, RangeSliceExpression where Bound == Int {
    /// `lower...`: to the end.
    public var sliceIndex: SliceIndex { .range(lower: lowerBound, upper: nil, stride: 1) }
}

extension PartialRangeUpTo: SliceExpression, RangeSliceExpression where Bound == Int {
    /// `..<upper`: from the start.
    public var sliceIndex: SliceIndex { .range(lower: nil, upper: upperBound, stride: 1) }
}

extension PartialRangeThrough: SliceExpression, RangeSliceExpression where Bound == Int {
    /// `...upper`: from the start, upper included.
    public var sliceIndex: SliceIndex { .range(lower: nil, upper: upperBound == -1 ? nil : upperBound + 1, stride: 1) }
}

/// A subscript resolved against a shape: per input axis either a contiguous range or a list of
/// positions, then the output shape (integer axes dropped, new axes inserted).
public struct SlicePlan: Sendable, Equatable {
    /// What to take along one input axis.
    public enum Step: Sendable, Equatable {
        /// A contiguous block, stride 1.
        case range(Range<Int>)
        /// Positions in order (a stride other than 1).
        case positions([Int])
    }
    /// One step per input axis.
    public let steps: [Step]
    /// The result's shape.
    public let shape: [Int]

    /// Resolves `entries` against `shape` with Python's slicing rules.
    /// - Precondition: at most one ellipsis, no more entries than axes, integer positions in
    ///   range, strides ≠ 0; a violation names the subscript, the shape and the caller's line.
    public init(_ entries: [SliceIndex], shape: [Int], file: StaticString, line: UInt) {
        func fail(_ detail: String) -> Never {
            ShapeError.fail("subscript", shapes: [shape], detail: detail, file: file, line: line)
        }
        let ellipses = entries.filter { $0 == .remainingAxes }.count
        if ellipses > 1 { fail("more than one ellipsis") }
        let consuming = entries.filter { $0 != .remainingAxes && $0 != .insertedAxis }.count
        if consuming > shape.count { fail("\(consuming) indices for rank \(shape.count)") }
        var expanded = [SliceIndex]()
        for e in entries {
            if e == .remainingAxes {
                expanded += Array(repeating: .range(lower: nil, upper: nil, stride: 1), count: shape.count - consuming)
            } else {
                expanded.append(e)
            }
        }
        if ellipses == 0 {
            expanded += Array(repeating: .range(lower: nil, upper: nil, stride: 1), count: shape.count - consuming)
        }
        var steps = [Step](), out = [Int](), axis = 0
        for e in expanded {
            switch e {
            case .insertedAxis: out.append(1)
            case .index(let i):
                let n = shape[axis], k = i < 0 ? i + n : i
                if !(k >= 0 && k < n) { fail("index \(i) is out of range for axis \(axis) of size \(n)") }
                steps.append(.range(k..<(k + 1)))
                axis += 1
            case .range(let lower, let upper, let stride):
                if stride == 0 { fail("stride 0 on axis \(axis)") }
                let positions = SlicePlan.positions(lower: lower, upper: upper, stride: stride, count: shape[axis])
                steps.append(stride == 1 ? .range(positions.first.map { $0..<($0 + positions.count) } ?? 0..<0) : .positions(positions))
                out.append(positions.count)
                axis += 1
            case .remainingAxes: break
            }
        }
        self.steps = steps
        self.shape = out
    }

    /// Python's `slice(lower, upper, stride).indices(n)`, as the positions it visits.
    static func positions(lower: Int?, upper: Int?, stride: Int, count n: Int) -> [Int] {
        func clamp(_ v: Int?, _ whenNil: Int, _ low: Int, _ high: Int) -> Int {
            guard var v else { return whenNil }
            if v < 0 { v += n }
            return Swift.min(Swift.max(v, low), high)
        }
        if stride > 0 {
            let a = clamp(lower, 0, 0, n), b = clamp(upper, n, 0, n)
            return Array(Swift.stride(from: a, to: b, by: stride))
        }
        let a = clamp(lower, n - 1, -1, n - 1), b = clamp(upper, -1, -1, n - 1)
        return Array(Swift.stride(from: a, to: b, by: stride))
    }
}

extension Tensor {
    /// The part of this tensor a NumPy-style subscript selects (copied):
    ///
    ///     x[0..<2, .ellipsis, 1]     x[.stride(by: -1)]     x[.all, .newAxis, 3...]
    ///
    /// An `Int` removes its axis, a range keeps it, ``SliceIndex/ellipsis`` fills the rank,
    /// ``SliceIndex/newAxis`` inserts a 1. Up to three leading `Int`s may come before the first
    /// other entry (`x[1, 2, 0..<3]`); an all-`Int` subscript of full rank reads one scalar, and
    /// `x[i, ...]` takes a sub-tensor.
    public subscript<R: RangeSliceExpression>(_ first: R, _ entries: any SliceExpression...,
                                              file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([first.sliceIndex] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, a…]`: see ``subscript(_:_:file:line:)-(R,_,_,_)``.
    public subscript<R: RangeSliceExpression>(_ i: Int, _ first: R, _ entries: any SliceExpression...,
                                              file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([.index(i), first.sliceIndex] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, j, a…]`.
    public subscript<R: RangeSliceExpression>(_ i: Int, _ j: Int, _ first: R, _ entries: any SliceExpression...,
                                              file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([.index(i), .index(j), first.sliceIndex] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, j, k, a…]`.
    public subscript<R: RangeSliceExpression>(_ i: Int, _ j: Int, _ k: Int, _ first: R, _ entries: any SliceExpression...,
                                              file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([.index(i), .index(j), .index(k), first.sliceIndex] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[..., i]`-style: NumPy's ellipsis first, then `entries`.
    public subscript(_ ellipsis: UnboundedRange, _ entries: any SliceExpression...,
                     file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([.remainingAxes] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, ..., j]`-style: one entry, NumPy's ellipsis, then `entries`.
    public subscript(_ first: any SliceExpression, _ ellipsis: UnboundedRange, _ entries: any SliceExpression...,
                     file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([first.sliceIndex, .remainingAxes] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// `x[i, ..., j]` with an integer first.
    public subscript(_ i: Int, _ ellipsis: UnboundedRange, _ entries: any SliceExpression...,
                     file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        sliced([.index(i), .remainingAxes] + entries.map(\.sliceIndex), file: file, line: line)
    }

    /// The selection of a resolved subscript (see ``SlicePlan``).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func sliced(_ entries: [SliceIndex], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
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

    /// This tensor padded on several axes at once (PyTorch's `F.pad` with one pair per axis,
    /// from the first axis; missing trailing axes are not padded):
    ///
    ///     y = x surrounded, along axis a, by paddings[a].before and .after copies of `value`
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func padded(with paddings: [(before: Int, after: Int)], value: Scalar = 0,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if paddings.count > rank {
            ShapeError.fail("padded", shapes: [shape], detail: "\(paddings.count) padding pairs for rank \(rank)",
                            file: file, line: line)
        }
        var y = self
        for (axis, p) in paddings.enumerated() where p.before != 0 || p.after != 0 {
            y = y.padded(alongAxis: axis, before: p.before, after: p.after, with: value, file: file, line: line)
        }
        return y
    }
}
