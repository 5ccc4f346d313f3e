// Element-wise kernels shared by every operation: unary maps, broadcasting binary maps and
// in-place accumulation. They are `@inlinable` so that each public operation (annotated with
// `@_specialize` for Float and Double) gets a concrete loop with its closure inlined:
// generic callers dispatch once per operation, never per element.

extension Tensor {
    /// Zero-filled storage of `n` elements (see Note [Small storage]).
    ///
    /// Note [Small storage]: the standard library's array allocation
    /// (`Array(unsafeUninitializedCapacity:)`, `Array(repeating:count:)`, `reserveCapacity`) is
    /// not specialised: every call runs the generic `_allocateBufferUninitialized`, which looks up
    /// `_ContiguousArrayStorage<Scalar>`'s metadata — about 650 instructions (callgrind), more than
    /// all the arithmetic of an op on a tiny tensor. An array *literal* is allocated through the
    /// compiler's intrinsic with the metadata cached at the call site, so tensors of up to eight
    /// elements (scalars, biases, the 2-2-1 network's activations) take that route.
    @inlinable @inline(__always)
    static func zeroedStorage(count n: Int) -> [Scalar] {
        switch n {
        case 0: return []
        case 1: return [0]
        case 2: return [0, 0]
        case 3: return [0, 0, 0]
        case 4: return [0, 0, 0, 0]
        case 5: return [0, 0, 0, 0, 0]
        case 6: return [0, 0, 0, 0, 0, 0]
        case 7: return [0, 0, 0, 0, 0, 0, 0]
        case 8: return [0, 0, 0, 0, 0, 0, 0, 0]
        default: return [Scalar](repeating: 0, count: n)
        }
    }

    /// Storage of `n` elements, every one written by `fill` (see Note [Small storage]).
    @inlinable @inline(__always)
    static func makeStorage(count n: Int, _ fill: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> [Scalar] {
        if n <= 8 {
            var out = zeroedStorage(count: n)
            out.withUnsafeMutableBufferPointer { fill($0) }
            return out
        }
        return [Scalar](unsafeUninitializedCapacity: n) { buffer, initialized in
            fill(buffer)
            initialized = n
        }
    }
}

extension Tensor {
    /// A tensor of the same shape with `f` applied to every element.
    @inlinable @inline(__always)
    public func map(_ f: (Scalar) -> Scalar) -> Tensor {
        let n = count
        // A one-element literal, filled directly: the tape's scalar path (Note [Small storage]).
        if n == 1 { return Tensor(uncheckedShape: shape, scalars: [f(storage[0])]) }
        let out = Tensor.makeStorage(count: n) { buffer in
            scalars.withUnsafeBufferPointer { x in
                for i in 0..<n { buffer[i] = f(x[i]) }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Combines two tensors of exactly the same shape element by element.
    @inlinable @inline(__always)
    func zipSameShape(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        let n = count
        if n == 1 { return Tensor(uncheckedShape: shape, scalars: [f(storage[0], other.storage[0])]) }
        let out = Tensor.makeStorage(count: n) { buffer in
            scalars.withUnsafeBufferPointer { x in
                other.scalars.withUnsafeBufferPointer { y in
                    for i in 0..<n { buffer[i] = f(x[i], y[i]) }
                }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Combines two tensors element by element after broadcasting them to a common shape
    /// (NumPy's rules, see ``Shape/broadcast(_:_:)``).
    ///
    /// - Parameter operation: the operation's name for the error message.
    @inlinable @inline(__always)
    public func broadcastingZip(
        _ other: Tensor, operation: String, file: StaticString, line: UInt,
        _ f: (Scalar, Scalar) -> Scalar
    ) -> Tensor {
        if shape == other.shape { return zipSameShape(other, f) }
        // A matrix with a row vector ([m, n] with [n] or [1, n]), the bias addition of every
        // dense layer: one pass, no odometer and no shape arrays to allocate.
        if rank == 2, other.count == shape[1], other.count > 1,
           other.rank == 1 || (other.rank == 2 && other.shape[0] == 1) {
            let m = shape[0], n = shape[1]
            let out = Tensor.makeStorage(count: m * n) { buffer in
                scalars.withUnsafeBufferPointer { x in
                    other.scalars.withUnsafeBufferPointer { y in
                        for i in 0..<m {
                            let row = i * n
                            for j in 0..<n { buffer[row + j] = f(x[row + j], y[j]) }
                        }
                    }
                }
            }
            return Tensor(uncheckedShape: shape, scalars: out)
        }
        guard let outShape = Shape.broadcast(shape, other.shape) else {
            ShapeError.fail(operation, shapes: [shape, other.shape],
                            detail: "cannot broadcast (dimensions must be equal or 1, aligned at the last axis)",
                            file: file, line: line)
        }
        if other.count == 1 && outShape.count >= rank && Shape.count(outShape) == count {
            let s = other.scalars[0]
            var r = map { f($0, s) }
            r.storageShape = outShape
            return r
        }
        if count == 1 && outShape.count >= other.rank && Shape.count(outShape) == other.count {
            let s = scalars[0]
            var r = other.map { f(s, $0) }
            r.storageShape = outShape
            return r
        }
        let n = Shape.count(outShape)
        let sa = Shape.broadcastStrides(shape, to: outShape)
        let sb = Shape.broadcastStrides(other.shape, to: outShape)
        let rank = outShape.count
        let inner = outShape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        let out = [Scalar](unsafeUninitializedCapacity: n) { buffer, initialized in
            scalars.withUnsafeBufferPointer { x in
                other.scalars.withUnsafeBufferPointer { y in
                    var index = [Int](repeating: 0, count: rank)
                    var offA = 0, offB = 0, o = 0
                    while o < n {
                        var pa = offA, pb = offB
                        for j in 0..<inner {
                            buffer[o + j] = f(x[pa], y[pb])
                            pa += ia
                            pb += ib
                        }
                        o += inner
                        // Advance the odometer over the outer axes.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offA += sa[axis]
                            offB += sb[axis]
                            if index[axis] < outShape[axis] { break }
                            offA -= sa[axis] * outShape[axis]
                            offB -= sb[axis] * outShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
            initialized = n
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }

    /// Adds `other` into `self` element by element, in place when the storage is not shared.
    /// - Precondition: the shapes are equal.
    @inlinable
    public mutating func addInPlace(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        if shape != other.shape {
            ShapeError.fail("addInPlace", shapes: [shape, other.shape], detail: "shapes must be equal",
                            file: file, line: line)
        }
        let n = count
        storage.withUnsafeMutableBufferPointer { x in
            other.scalars.withUnsafeBufferPointer { y in
                for i in 0..<n { x[i] += y[i] }
            }
        }
    }
}

extension Tensor {
    /// Adds `other` into the region of this tensor that starts at `offset` along `axis`:
    /// x[…, offset + i, …] += other[…, i, …]; every other axis must match. In place when the
    /// storage is not shared. The adjoint of a slice, without padding (Note [Slice adjoints]).
    /// - Complexity: O(other.count).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public mutating func addInPlace(_ other: Tensor, atOffset offset: Int, alongAxis axis: Int,
                                    file: StaticString = #fileID, line: UInt = #line) {
        var expected = shape
        if axis >= 0, axis < rank { expected[axis] = other.rank == rank ? other.shape[axis] : -1 }
        if axis < 0 || axis >= rank || other.shape != expected || offset < 0 || offset + other.shape[axis] > shape[axis] {
            ShapeError.fail("addInPlace", shapes: [shape, other.shape],
                            detail: "the second must fit in the first from \(offset) along axis \(axis)", file: file, line: line)
        }
        if other.count == 0 { return }
        let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
        let full = shape[axis] * inner, part = other.shape[axis] * inner
        storage.withUnsafeMutableBufferPointer { x in
            other.scalars.withUnsafeBufferPointer { y in
                for o in 0..<outer {
                    let dst = x.baseAddress! + o * full + offset * inner, src = y.baseAddress! + o * part
                    for k in 0..<part { dst[k] += src[k] }
                }
            }
        }
    }

    /// Replaces every element by `f` of itself: xᵢ ← f(xᵢ). In place when the storage is not
    /// shared (otherwise copied first, as any write to a value type); the same bits as
    /// ``map(_:)``.
    @inlinable @inline(__always)
    public mutating func mapInPlace(_ f: (Scalar) -> Scalar) {
        let n = count
        storage.withUnsafeMutableBufferPointer { x in
            for i in 0..<n { x[i] = f(x[i]) }
        }
    }

    /// Combines `other` into `self` element by element: xᵢ ← f(xᵢ, yᵢ), in place when the storage
    /// is not shared; the same bits as ``zip(_:operation:file:line:_:)``.
    /// - Precondition: the shapes are equal.
    @inlinable @inline(__always)
    public mutating func zipInPlace(_ other: Tensor, operation: String = "zipInPlace", file: StaticString = #fileID,
                                    line: UInt = #line, _ f: (Scalar, Scalar) -> Scalar) {
        if shape != other.shape {
            ShapeError.fail(operation, shapes: [shape, other.shape], detail: "shapes must be equal", file: file, line: line)
        }
        let n = count
        storage.withUnsafeMutableBufferPointer { x in
            other.storage.withUnsafeBufferPointer { y in
                for i in 0..<n { x[i] = f(x[i], y[i]) }
            }
        }
    }

    /// Combines two tensors into `self` element by element: xᵢ ← f(xᵢ, yᵢ, wᵢ), in place when
    /// the storage is not shared.
    /// - Precondition: the shapes are equal.
    @inlinable @inline(__always)
    public mutating func zipInPlace(_ second: Tensor, _ third: Tensor, operation: String = "zipInPlace",
                                    file: StaticString = #fileID, line: UInt = #line,
                                    _ f: (Scalar, Scalar, Scalar) -> Scalar) {
        if shape != second.shape || shape != third.shape {
            ShapeError.fail(operation, shapes: [shape, second.shape, third.shape], detail: "shapes must be equal",
                            file: file, line: line)
        }
        let n = count
        storage.withUnsafeMutableBufferPointer { x in
            second.storage.withUnsafeBufferPointer { y in
                third.storage.withUnsafeBufferPointer { w in
                    for i in 0..<n { x[i] = f(x[i], y[i], w[i]) }
                }
            }
        }
    }
}

extension Tensor {
    /// Combines two tensors of the same shape element by element: zᵢ = f(xᵢ, yᵢ).
    /// - Precondition: the shapes are equal.
    @inlinable @inline(__always)
    public func zip(_ other: Tensor, operation: String = "zip", file: StaticString = #fileID, line: UInt = #line,
                    _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        if shape != other.shape {
            ShapeError.fail(operation, shapes: [shape, other.shape], detail: "shapes must be equal", file: file, line: line)
        }
        return zipSameShape(other, f)
    }

    /// Combines three tensors of the same shape element by element: zᵢ = f(xᵢ, yᵢ, wᵢ).
    /// - Precondition: the shapes are equal.
    @inlinable @inline(__always)
    public func zip(_ second: Tensor, _ third: Tensor, operation: String = "zip",
                    file: StaticString = #fileID, line: UInt = #line,
                    _ f: (Scalar, Scalar, Scalar) -> Scalar) -> Tensor {
        if shape != second.shape || shape != third.shape {
            ShapeError.fail(operation, shapes: [shape, second.shape, third.shape], detail: "shapes must be equal",
                            file: file, line: line)
        }
        let n = count
        let out = Tensor.makeStorage(count: n) { buffer in
            scalars.withUnsafeBufferPointer { x in
                second.scalars.withUnsafeBufferPointer { y in
                    third.scalars.withUnsafeBufferPointer { w in
                        for i in 0..<n { buffer[i] = f(x[i], y[i], w[i]) }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }
}
