/// Messages for programming errors: an operation given shapes it cannot combine.
///
/// A shape mismatch is a bug in the caller, so it stops the program (like an array index out
/// of range) rather than throwing. The message names the operation, every shape involved and
/// the caller's file and line; ``message(_:shapes:detail:file:line:)`` builds it so tests can
/// check the text without trapping.
public enum ShapeError {
    /// The text of a shape error.
    ///
    ///     "matmul: shapes [2, 3] and [4, 5]: inner dimensions differ (3 ≠ 4) (at Model.swift:12)"
    ///
    /// - Parameters:
    ///   - operation: the operation's name, as in `Docs/Operators.md`.
    ///   - shapes: the shapes of the operands, in order.
    ///   - detail: what is wrong with them.
    ///   - file: the caller's file (`#fileID`).
    ///   - line: the caller's line (`#line`); 0 for an operator, which cannot take default
    ///     arguments and so cannot know its caller.
    public static func message(
        _ operation: String, shapes: [[Int]], detail: String, file: StaticString, line: UInt
    ) -> String {
        let listed: String
        switch shapes.count {
        case 0: listed = ""
        case 1: listed = " shape \(shapes[0])"
        case 2: listed = " shapes \(shapes[0]) and \(shapes[1])"
        default: listed = " shapes " + shapes.map { "\($0)" }.joined(separator: ", ")
        }
        let place = line == 0
            ? "called through an operator; the named method, e.g. adding(_:), reports the caller's line"
            : "at \(file):\(line)"
        return listed.isEmpty ? "\(operation): \(detail) (\(place))" : "\(operation):\(listed): \(detail) (\(place))"
    }

    /// Stops the program with ``message(_:shapes:detail:file:line:)``.
    ///
    /// Uses `fatalError`, whose message survives optimised builds (a `precondition`'s does not).
    public static func fail(
        _ operation: String, shapes: [[Int]], detail: String, file: StaticString, line: UInt
    ) -> Never {
        fatalError(message(operation, shapes: shapes, detail: detail, file: file, line: line),
                   file: file, line: line)
    }
}

/// Shape arithmetic shared by the kernels: element counts, strides, broadcasting, axes.
public enum Shape {
    /// The number of elements of a tensor of this shape: the product of its dimensions (1 for rank 0).
    @inlinable public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// Row-major strides: the distance in elements between neighbours along each axis.
    ///
    ///     strides([2, 3, 4]) = [12, 4, 1]
    @inlinable public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc &*= shape[i]
        }
        return s
    }

    /// The shape two operands broadcast to under NumPy's rules, or `nil` if they do not.
    ///
    /// Shapes are aligned at their last axis; each pair of dimensions must be equal or one of
    /// them 1, and the result takes the larger. Missing leading dimensions count as 1.
    ///
    ///     broadcast([3, 1], [4]) = [3, 4];   broadcast([2, 3], [3, 2]) = nil
    @inlinable public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                return nil
            }
        }
        return out
    }

    /// The strides with which a tensor of `shape` is read when broadcast to `target`:
    /// 0 along every broadcast (size-1 or missing) axis.
    @inlinable public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var s = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            s[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return s
    }

    /// Resolves a possibly negative axis (−1 is the last) against a rank, or `nil` if out of range.
    @inlinable public static func normalizedAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (a >= 0 && a < rank) ? a : nil
    }

    /// `axis` counted from 0 (negative counts from the end), or a stop naming `operation`, the
    /// shape and the caller's line when it is out of range.
    public static func checkedAxis(_ axis: Int, of shape: [Int], operation: String, file: StaticString, line: UInt) -> Int {
        guard let a = normalizedAxis(axis, rank: shape.count) else {
            ShapeError.fail(operation, shapes: [shape], detail: "axis \(axis) is out of range for rank \(shape.count)",
                            file: file, line: line)
        }
        return a
    }
}
