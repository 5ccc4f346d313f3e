/// An n-dimensional array of `Float` or `Double`: a shape and its elements in row-major order.
///
/// `Tensor` is a value type. Its storage is a Swift array, so copies share memory until one of
/// them is written (copy-on-write). Rank 0 is a scalar (shape `[]`, one element).
///
///     let x = Tensor<Double>([[1, 2, 3], [4, 5, 6]])   // shape [2, 3]
///     x[1, 2]                                          // 6
///     x.transposed().shape                             // [3, 2]
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The stored shape (internal so kernels can rewrite it in place).
    @usableFromInline var storageShape: [Int]
    /// The stored elements (a Swift array: copy-on-write).
    @usableFromInline var storage: [Scalar]

    /// The size of each dimension, outermost first. Empty for a scalar.
    @inlinable public var shape: [Int] { storageShape }
    /// The elements in row-major order (the last index varies fastest).
    @inlinable public var scalars: [Scalar] { storage }

    /// A tensor with the given shape and row-major elements.
    /// - Precondition: `scalars.count` is the product of `shape`, and no dimension is negative.
    @inlinable
    public init(shape: [Int], scalars: [Scalar], file: StaticString = #fileID, line: UInt = #line) {
        if shape.contains(where: { $0 < 0 }) {
            ShapeError.fail("Tensor", shapes: [shape], detail: "negative dimension", file: file, line: line)
        }
        if Shape.count(shape) != scalars.count {
            ShapeError.fail("Tensor", shapes: [shape],
                            detail: "needs \(Shape.count(shape)) scalars, got \(scalars.count)",
                            file: file, line: line)
        }
        self.storageShape = shape
        self.storage = scalars
    }

    /// Internal unchecked initialiser for kernels that have already validated the shape.
    @inlinable init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        self.storageShape = shape
        self.storage = scalars
    }

    /// A rank-0 tensor holding one scalar.
    @inlinable public init(_ scalar: Scalar) {
        self.init(uncheckedShape: [], scalars: [scalar])
    }

    /// A rank-1 tensor (a vector).
    @inlinable public init(_ vector: [Scalar]) {
        self.init(uncheckedShape: [vector.count], scalars: vector)
    }

    /// A rank-2 tensor (a matrix) from its rows.
    /// - Precondition: every row has the same length.
    @inlinable public init(_ rows: [[Scalar]], file: StaticString = #fileID, line: UInt = #line) {
        let columns = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != columns }) {
            ShapeError.fail("Tensor", shapes: [[rows.count, columns]],
                            detail: "ragged rows: row \(bad) has \(rows[bad].count) elements",
                            file: file, line: line)
        }
        self.init(uncheckedShape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// A rank-3 tensor from nested arrays.
    /// - Precondition: the nesting is rectangular.
    @inlinable public init(_ planes: [[[Scalar]]], file: StaticString = #fileID, line: UInt = #line) {
        let rows = planes.first?.count ?? 0
        let columns = planes.first?.first?.count ?? 0
        for plane in planes where plane.count != rows || plane.contains(where: { $0.count != columns }) {
            ShapeError.fail("Tensor", shapes: [[planes.count, rows, columns]], detail: "ragged nesting",
                            file: file, line: line)
        }
        self.init(uncheckedShape: [planes.count, rows, columns], scalars: planes.flatMap { $0.flatMap { $0 } })
    }

    /// A tensor of the given shape with every element equal to `value`.
    @inlinable public init(repeating value: Scalar, shape: [Int], file: StaticString = #fileID, line: UInt = #line) {
        if shape.contains(where: { $0 < 0 }) {
            ShapeError.fail("Tensor", shapes: [shape], detail: "negative dimension", file: file, line: line)
        }
        self.init(uncheckedShape: shape, scalars: [Scalar](repeating: value, count: Shape.count(shape)))
    }

    /// A tensor of zeros.
    @inlinable public init(zeros shape: [Int], file: StaticString = #fileID, line: UInt = #line) {
        self.init(repeating: 0, shape: shape, file: file, line: line)
    }

    /// A tensor of ones.
    @inlinable public init(ones shape: [Int], file: StaticString = #fileID, line: UInt = #line) {
        self.init(repeating: 1, shape: shape, file: file, line: line)
    }

    /// The n × n identity matrix: Iᵢⱼ = 1 if i = j, else 0.
    @inlinable public static func identity(_ n: Int) -> Tensor {
        var t = Tensor(zeros: [n, n])
        for i in 0..<n { t.storage[i * n + i] = 1 }
        return t
    }

    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// The number of elements.
    @inlinable public var count: Int { scalars.count }

    /// The single element of a one-element tensor (any rank).
    /// - Precondition: the tensor has exactly one element.
    @inlinable public var scalar: Scalar {
        if !(scalars.count == 1) { fatalError("Tensor.scalar: shape \(shape) has \(scalars.count) elements, not 1") }
        return scalars[0]
    }

    /// The element at a multi-index, one index per dimension.
    @inlinable public subscript(indices: Int...) -> Scalar {
        get { storage[offset(of: indices)] }
        set { storage[offset(of: indices)] = newValue }
    }

    /// The row-major offset of a multi-index.
    @inlinable func offset(of indices: [Int]) -> Int {
        if !(indices.count == shape.count) { fatalError("Tensor subscript: \(indices.count) indices for shape \(shape)") }
        var o = 0
        for (i, (index, dim)) in Swift.zip(indices, shape).enumerated() {
            if !(index >= 0 && index < dim) { fatalError("Tensor subscript: index \(index) out of range 0..<\(dim) on axis \(i) of shape \(shape)") }
            o = o * dim + index
        }
        return o
    }

    /// Calls `body` with a pointer to the elements in row-major order.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the elements (copying first if storage is shared).
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// The same elements converted to another scalar type (rounding to nearest).
    @inlinable public func converted<T: TensorScalar>(to _: T.Type = T.self) -> Tensor<T> {
        Tensor<T>(uncheckedShape: shape, scalars: scalars.map { T($0) })
    }

    /// The flat (row-major) offset of the first element that is NaN or ±∞, if any.
    @inlinable public func firstNonFiniteOffset() -> Int? {
        withUnsafeBufferPointer { p in p.firstIndex { !$0.isFinite } }
    }

    /// Whether two tensors have the same shape and the same bit patterns (NaN equals NaN of the
    /// same payload; +0 differs from −0). Stricter than `==`, for bit-for-bit tests.
    @inlinable public func isBitwiseIdentical(to other: Tensor) -> Bool {
        guard shape == other.shape else { return false }
        for (x, y) in Swift.zip(scalars, other.scalars) {
            if x.sign != y.sign || x.exponentBitPattern != y.exponentBitPattern { return false }
            if x.significandBitPattern != y.significandBitPattern { return false }
        }
        return true
    }
}

extension Tensor: Equatable {
    /// Equal shapes and element-wise `==` (so NaN ≠ NaN, +0 = −0, as IEEE 754 says).
    @inlinable public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    /// Nested brackets like NumPy for tensors of up to 1,000 elements; otherwise a summary
    /// with the shape and the first few elements.
    public var description: String {
        if rank == 0 { return "\(scalars[0])" }
        if count > 1000 {
            let head = scalars.prefix(6).map { "\($0)" }.joined(separator: ", ")
            return "Tensor<\(Scalar.typeName)>(shape: \(shape), scalars: [\(head), …])"
        }
        let strides = Shape.strides(shape)
        func render(_ axis: Int, _ base: Int) -> String {
            if axis == rank - 1 {
                return "[" + (0..<shape[axis]).map { "\(scalars[base + $0])" }.joined(separator: ", ") + "]"
            }
            let sep = ",\n" + String(repeating: " ", count: axis + 1)
            return "[" + (0..<shape[axis]).map { render(axis + 1, base + $0 * strides[axis]) }
                .joined(separator: sep) + "]"
        }
        return render(0, 0)
    }
}

extension Tensor {
    /// The element at a row-major offset, whatever the rank.
    @inlinable public subscript(flat offset: Int) -> Scalar {
        get { storage[offset] }
        set { storage[offset] = newValue }
    }
}
