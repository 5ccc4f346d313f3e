import Tensors

// Pooling over the spatial axes of NCHW variables. The max pool is a gather at the windows'
// first maxima, captured at the forward: an op of the arg-max family (`maxPool2d`, whose rule
// is the linear pair scatterToArgmax ↔ gatherFromArgmax). The average pool is linear; its rule
// is its adjoint, whose rule is the average pool again.

/// The average pool and its linear adjoint.
@usableFromInline
enum PoolingFunction: String, CaseIterable, Sendable {
    /// y = the mean of each window (padding counted): [N, C, H, W] → [N, C, H_out, W_out].
    case avgPool2d
    /// x̄ = each element / (kH·kW) spread over its window: [N, C, H_out, W_out] → `inputShape`.
    case avgPool2dTranspose

    /// The forward kernel.
    func forward<S>(_ x: Tensor<S>, _ p: PoolingParameters) -> Tensor<S> {
        switch self {
        case .avgPool2d: x.averagePooled(p.geometry)
        case .avgPool2dTranspose: x.averagePoolingAdjoint(p.geometry, inputShape: p.inputShape)
        }
    }

    /// x̄ from ȳ: the other op of the pair (linear, with constant coefficients 1/(kH·kW), so a
    /// zero upstream gives exactly 0).
    func pullback<A: DerivativeAlgebra>(_ g: A, _ p: PoolingParameters) -> A {
        switch self {
        case .avgPool2d: A.poolingOp(.avgPool2dTranspose, g, p)  // x̄ = Σ_windows ȳ / (kH·kW)
        case .avgPool2dTranspose: A.poolingOp(.avgPool2d, g, p)  // ḡ = the window means of ȳ
        }
    }

    /// The rule in op form, for traces.
    var formula: String {
        switch self {
        case .avgPool2d: "x̄ = avgPool2dTranspose(ȳ): ȳ / (kH·kW) spread over each window"
        case .avgPool2dTranspose: "x̄ = avgPool2d(ȳ): the window means of ȳ"
        }
    }
}

/// A recorded pool's window and the shape of the unpooled side.
@usableFromInline
struct PoolingParameters: Sendable {
    var geometry: Pool2DGeometry
    var inputShape: [Int]
}

extension Variable {
    /// The max of each window of this [N, C, H, W] value (PyTorch's `max_pool2d`; stride defaults
    /// to the kernel, padding counts as −∞), recorded with each window's first arg-max:
    ///
    ///     y[n, c, i, j] = max_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
    ///     x̄ = ȳ scattered to the arg-max positions, 0 elsewhere   (op `scatterToArgmax`)
    ///
    /// - Precondition: rank 4, kernel and stride ≥ 1, padding ≤ kernel/2, the kernel fits in the
    ///   padded input; a violation stops naming `maxPool2d`, the shape and the caller's line.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func maxPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let g = Pool2DGeometry.checked("maxPool2d", shape: shape, kernel: kernelSize, stride: stride, padding: padding,
                                       file: file, line: line)
        let (v, positions) = value.maxPooled(g)
        let p = ArgmaxIndices(axis: 2, positions: positions, inputShape: shape, outputShape: v.shape,
                              overlapping: g.stride.height < g.kernel.height || g.stride.width < g.kernel.width)
        return tape.record(.argmax(.maxPool2d, index, p), value: v, needsGradient: needsGradient, file: file, line: line)
    }

    /// The mean of each window of this [N, C, H, W] value, padding counted in the divisor
    /// (PyTorch's `avg_pool2d`, `count_include_pad=True`; stride defaults to the kernel):
    ///
    ///     y[n, c, i, j] = (1 / (kH·kW)) · Σ_{p, q} x[n, c, i·s − pad + p, j·s − pad + q]
    ///     x̄[n, c, h, w] = Σ_{windows ∋ (h, w)} ȳ[n, c, i, j] / (kH·kW)   (op `avgPool2dTranspose`)
    ///
    /// - Precondition: as ``maxPool2d(kernelSize:stride:padding:file:line:)``.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func avgPool2d(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let g = Pool2DGeometry.checked("avgPool2d", shape: shape, kernel: kernelSize, stride: stride, padding: padding,
                                       file: file, line: line)
        let p = PoolingParameters(geometry: g, inputShape: shape)
        return tape.record(.pooling(.avgPool2d, index, p), value: PoolingFunction.avgPool2d.forward(value, p),
                           needsGradient: needsGradient, file: file, line: line)
    }

    /// The mean over the spatial axes of this [N, C, H, W] value: [N, C] (global average pooling).
    ///
    ///     y[n, c] = (1 / (H·W)) · Σ_{h, w} x[n, c, h, w];   x̄ = broadcast(ȳ) / (H·W)
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func globalAveragePool2d(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        if rank != 4 {
            ShapeError.fail("globalAveragePool2d", shapes: [shape], detail: "the input must be [N, C, H, W]", file: file, line: line)
        }
        return mean(alongAxes: [2, 3], file: file, line: line)
    }
}
