// Max and average pooling over the spatial axes of NCHW tensors, and the average's adjoint.

/// A pooling window: its size, its stride, and the zeros (or −∞ for the max) added on both
/// sides of each spatial axis. The output height is ⌊(H + 2·padding − kernel) / stride⌋ + 1.
public struct Pool2DGeometry: Hashable, Sendable {
    /// The window's height and width.
    public var kernel: Size2D
    /// The step between windows.
    public var stride: Size2D
    /// The padding on each side (top = bottom, left = right), at most half the kernel.
    public var padding: Size2D

    /// A checked window for an input of `shape` [N, C, H, W] (stride defaults to the kernel, as in
    /// PyTorch); a violation stops naming `op`, the shape and the caller's line.
    public static func checked(_ op: String, shape: [Int], kernel: Size2D, stride: Size2D?, padding: Size2D,
                               file: StaticString, line: UInt) -> Pool2DGeometry {
        func fail(_ detail: String) -> Never { ShapeError.fail(op, shapes: [shape], detail: detail, file: file, line: line) }
        let s = stride ?? kernel
        if shape.count != 4 { fail("the input must be [N, C, H, W]") }
        if kernel.height < 1 || kernel.width < 1 { fail("the kernel \(kernel) must be at least 1×1") }
        if s.height < 1 || s.width < 1 { fail("stride \(s) must be at least 1") }
        if padding.height < 0 || padding.width < 0 || 2 * padding.height > kernel.height || 2 * padding.width > kernel.width {
            fail("padding \(padding) must be in 0...kernel/2 (kernel \(kernel))")
        }
        if kernel.height > shape[2] + 2 * padding.height || kernel.width > shape[3] + 2 * padding.width {
            fail("the kernel \(kernel) is larger than the padded input \(shape[2] + 2 * padding.height)×\(shape[3] + 2 * padding.width)")
        }
        return Pool2DGeometry(kernel: kernel, stride: s, padding: padding)
    }

    /// The output's height and width for an input of `height` × `width`.
    public func outputSize(height: Int, width: Int) -> Size2D {
        Size2D((height + 2 * padding.height - kernel.height) / stride.height + 1,
               (width + 2 * padding.width - kernel.width) / stride.width + 1)
    }

    /// Calls `body(out, window)` for each output element's flat index and the flat input indices
    /// of its window's in-bounds elements, in row-major order.
    @inline(__always)
    func forEachWindow(_ shape: [Int], _ body: (Int, _ first: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Void) {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let out = outputSize(height: h, width: w)
        var k = 0
        for plane in 0..<planes {
            for i in 0..<out.height {
                let h0 = i * stride.height - padding.height
                let rows = Swift.max(h0, 0)..<Swift.min(h0 + kernel.height, h)
                for j in 0..<out.width {
                    let w0 = j * stride.width - padding.width
                    body(k, plane * h * w, rows, Swift.max(w0, 0)..<Swift.min(w0 + kernel.width, w))
                    k += 1
                }
            }
        }
    }
}

extension Tensor {
    /// The max of each window (PyTorch's `max_pool2d`; padding counts as −∞) and the flat index in
    /// this tensor of each window's first maximum in row-major order (a NaN wins, as in PyTorch).
    ///
    ///     y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
    ///
    /// - Complexity: O(N·C·H_out·W_out·kH·kW).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func maxPooled(_ g: Pool2DGeometry) -> (values: Tensor, positions: [Int]) {
        // Note [Generic callers]
        if Scalar.self == Float.self {
            let r = Convolution2D.cast(self, Float.self).maxPooledKernel(g)
            return (Convolution2D.cast(r.values, Scalar.self), r.positions)
        }
        if Scalar.self == Double.self {
            let r = Convolution2D.cast(self, Double.self).maxPooledKernel(g)
            return (Convolution2D.cast(r.values, Scalar.self), r.positions)
        }
        return maxPooledKernel(g)
    }

    /// The body of ``maxPooled(_:)``.
    func maxPooledKernel(_ g: Pool2DGeometry) -> (values: Tensor, positions: [Int]) {
        let out = g.outputSize(height: shape[2], width: shape[3])
        let count = shape[0] * shape[1] * out.height * out.width
        var values = [Scalar](repeating: 0, count: count), positions = [Int](repeating: 0, count: count)
        let w = shape[3]
        withUnsafeBufferPointer { x in
            g.forEachWindow(shape) { k, base, rows, columns in
                var best = -Scalar.infinity, at = base + rows.lowerBound * w + columns.lowerBound
                search: for r in rows {
                    for c in columns {
                        let v = x[base + r * w + c]
                        if v > best || v.isNaN {
                            (best, at) = (v, base + r * w + c)
                            if v.isNaN { break search }
                        }
                    }
                }
                values[k] = best
                positions[k] = at
            }
        }
        return (Tensor(uncheckedShape: [shape[0], shape[1], out.height, out.width], scalars: values), positions)
    }

    /// The mean of each window, padding counted as zeros in the divisor (PyTorch's `avg_pool2d`
    /// with `count_include_pad=True`):
    ///
    ///     y[n, c, i, j] = (1 / (kH·kW)) · Σ_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
    ///
    /// - Complexity: O(N·C·H_out·W_out·kH·kW).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func averagePooled(_ g: Pool2DGeometry) -> Tensor {
        let out = g.outputSize(height: shape[2], width: shape[3])
        var values = [Scalar](repeating: 0, count: shape[0] * shape[1] * out.height * out.width)
        let w = shape[3], n = Scalar(g.kernel.height * g.kernel.width)
        withUnsafeBufferPointer { x in
            g.forEachWindow(shape) { k, base, rows, columns in
                var s: Scalar = 0
                for r in rows { for c in columns { s += x[base + r * w + c] } }
                values[k] = s / n
            }
        }
        return Tensor(uncheckedShape: [shape[0], shape[1], out.height, out.width], scalars: values)
    }

    /// The adjoint of ``averagePooled(_:)``: each element of this tensor (the pooled shape),
    /// divided by kH·kW, added to every in-bounds element of its window in `inputShape`.
    ///
    ///     x̄[n, c, h, w] = Σ_{windows (i, j) ∋ (h, w)} ȳ[n, c, i, j] / (kH·kW)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func averagePoolingAdjoint(_ g: Pool2DGeometry, inputShape: [Int]) -> Tensor {
        var x = [Scalar](repeating: 0, count: Shape.count(inputShape))
        let w = inputShape[3], n = Scalar(g.kernel.height * g.kernel.width)
        withUnsafeBufferPointer { y in
            g.forEachWindow(inputShape) { k, base, rows, columns in
                let v = y[k] / n
                for r in rows { for c in columns { x[base + r * w + c] += v } }
            }
        }
        return Tensor(uncheckedShape: inputShape, scalars: x)
    }
}

/// The max of each `kernelSize` window of x [N, C, H, W] (PyTorch's `max_pool2d`; stride defaults
/// to the kernel, padding counts as −∞):
///
///     y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
///
/// - Precondition: rank 4, kernel and stride ≥ 1, padding ≤ kernel/2, the kernel fits in the
///   padded input; a violation stops naming `maxPool2d`, the shape and the caller's line.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func maxPool2d<S>(_ x: Tensor<S>, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    x.maxPooled(Pool2DGeometry.checked("maxPool2d", shape: x.shape, kernel: kernelSize, stride: stride, padding: padding,
                                       file: file, line: line)).values
}

/// The mean of each `kernelSize` window of x [N, C, H, W], padding counted in the divisor
/// (PyTorch's `avg_pool2d` with `count_include_pad=True`; stride defaults to the kernel):
///
///     y[n, c, i, j] = (1 / (kH·kW)) · Σ_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
///
/// - Precondition: as ``maxPool2d(_:kernelSize:stride:padding:file:line:)``.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func avgPool2d<S>(_ x: Tensor<S>, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    x.averagePooled(Pool2DGeometry.checked("avgPool2d", shape: x.shape, kernel: kernelSize, stride: stride, padding: padding,
                                           file: file, line: line))
}
