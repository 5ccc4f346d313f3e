import Tensors

// The 2-D convolution and its two adjoints, a closed family: each op's rule is made of the
// family's ops again (conv2d ↔ conv2dTranspose in the input, conv2dWeightGradient in the
// weight), so every rule is differentiable to any order. The bias is a broadcast add (its
// adjoint Σ ȳ over N, H, W is `summed(toShape:)`).

/// The convolution family; the operands are (x, w), (u, w) and (x, u) in that order.
@usableFromInline
enum ConvolutionFunction: String, CaseIterable, Sendable {
    /// y = conv2d(x, w): [N, C, H, W] ⊛ [O, C/G, kH, kW] → [N, O, H_out, W_out].
    case conv2d
    /// z = conv2dᵀ(u, w): [N, O, H_out, W_out] with [O, C/G, kH, kW] → [N, C, size] (conv2d's x̄).
    case conv2dTranspose
    /// v = corr(x, u): [N, C, H, W] with [N, O, H_out, W_out] → [O, C/G, size] (conv2d's w̄).
    case conv2dWeightGradient

    /// The forward kernel (Note [Convolution by im2col]); a masked operand's zeros contribute
    /// exactly 0 (Note [Zero upstream]): as for matmul (Note [Masked matmul]) the fast kernel runs
    /// first, and only a NaN in its result sends the op to the direct loop that skips them.
    func forward<S>(_ a: Tensor<S>, _ b: Tensor<S>, _ p: ConvolutionParameters) -> Tensor<S> {
        let y: Tensor<S>
        switch self {
        case .conv2d: y = Convolution2D.forward(a, b, p.geometry)
        case .conv2dTranspose: y = Convolution2D.inputGradient(a, b, p.geometry, inputSize: p.size)
        case .conv2dWeightGradient: y = Convolution2D.weightGradient(a, b, p.geometry, kernel: p.size)
        }
        if p.masking == .none || !y.withUnsafeBufferPointer(MatmulForm.containsNaN) { return y }
        let skip = Convolution2D.Skipping(first: p.masking == .first || p.masking == .both,
                                          second: p.masking == .second || p.masking == .both)
        switch self {
        case .conv2d: return Convolution2D.directForward(a, b, p.geometry, skipping: skip)
        case .conv2dTranspose: return Convolution2D.directInputGradient(a, b, p.geometry, inputSize: p.size, skipping: skip)
        case .conv2dWeightGradient: return Convolution2D.directWeightGradient(a, b, p.geometry, kernel: p.size, skipping: skip)
        }
    }

    /// (ā, b̄) from ȳ, each a convolution of the family with ȳ masked:
    ///
    ///     y = conv2d(x, w):       x̄ = conv2dᵀ(ȳ, w),    w̄ = corr(x, ȳ)
    ///     z = conv2dᵀ(u, w):      ū = conv2d(z̄, w),     w̄ = corr(z̄, u)
    ///     v = corr(x, u):         x̄ = conv2dᵀ(u, v̄),    ū = conv2d(x, v̄)
    ///
    /// As in matmul's rule, a product whose other factor was a masked operand masks both.
    func pullback<A: DerivativeAlgebra>(_ g: A, _ a: A, _ b: A, _ p: ConvolutionParameters, needs: (Bool, Bool)) -> (A?, A?) {
        let aMasked = p.masking == .first || p.masking == .both, bMasked = p.masking == .second || p.masking == .both
        func op(_ f: ConvolutionFunction, _ x: A, _ y: A, size: Size2D, upstreamFirst: Bool, otherMasked: Bool) -> A {
            let m: MatmulForm.Masking = otherMasked ? .both : (upstreamFirst ? .first : .second)
            return A.convolutionOp(f, x, y, ConvolutionParameters(geometry: p.geometry, size: size, masking: m))
        }
        func spatial(_ v: A) -> Size2D { Size2D(v.shape[2], v.shape[3]) }
        switch self {
        case .conv2d:
            return (needs.0 ? op(.conv2dTranspose, g, b, size: spatial(a), upstreamFirst: true, otherMasked: bMasked) : nil,
                    needs.1 ? op(.conv2dWeightGradient, a, g, size: spatial(b), upstreamFirst: false, otherMasked: aMasked) : nil)
        case .conv2dTranspose:
            return (needs.0 ? op(.conv2d, g, b, size: p.size, upstreamFirst: true, otherMasked: bMasked) : nil,
                    needs.1 ? op(.conv2dWeightGradient, g, a, size: spatial(b), upstreamFirst: true, otherMasked: aMasked) : nil)
        case .conv2dWeightGradient:
            return (needs.0 ? op(.conv2dTranspose, b, g, size: spatial(a), upstreamFirst: false, otherMasked: bMasked) : nil,
                    needs.1 ? op(.conv2d, a, g, size: p.size, upstreamFirst: false, otherMasked: aMasked) : nil)
        }
    }

    /// The rule for input `k`, in op form, for traces (`tape.trace`).
    func formula(input k: Int) -> String {
        switch self {
        case .conv2d: k == 0 ? "x̄ = conv2dTranspose(ȳ, w)" : "w̄ = conv2dWeightGradient(x, ȳ)"
        case .conv2dTranspose: k == 0 ? "ū = conv2d(ȳ, w)" : "w̄ = conv2dWeightGradient(ȳ, u)"
        case .conv2dWeightGradient: k == 0 ? "x̄ = conv2dTranspose(u, ȳ)" : "ū = conv2d(x, ȳ)"
        }
    }
}

/// A recorded convolution's geometry, the size its kernel cannot infer (conv2dTranspose's
/// output height and width, conv2dWeightGradient's kernel; unused by conv2d), and which
/// operand is an upstream adjoint whose zeros contribute exactly 0.
@usableFromInline
struct ConvolutionParameters: Sendable {
    var geometry: Convolution2DGeometry
    var size: Size2D
    var masking = MatmulForm.Masking.none
}

extension Variable {
    /// Records a convolution of the family whose shapes the caller has checked.
    func recordConvolution(_ f: ConvolutionFunction, _ other: Variable, _ p: ConvolutionParameters,
                           file: StaticString, line: UInt) -> Variable {
        tape.record(.convolution(f, index, other.index, p), value: f.forward(value, other.value, p),
                    needsGradient: needsGradient || other.needsGradient, file: file, line: line)
    }

    /// y + b broadcast over [N, ·, H, W] (b̄ = Σ ȳ over N, H, W), after checking b is [O].
    func addingChannelBias(_ bias: Variable?, _ op: String, file: StaticString, line: UInt) -> Variable {
        guard let bias else { return self }
        if bias.shape != [shape[1]] {
            ShapeError.fail(op, shapes: [shape, bias.shape], detail: "the bias must be [\(shape[1])], one per output channel",
                            file: file, line: line)
        }
        return adding(bias.reshaped(to: [1, shape[1], 1, 1], file: file, line: line), file: file, line: line)
    }
}

/// The 2-D convolution of x [N, C, H, W] with w [O, C/groups, kH, kW] plus an optional bias [O]
/// (PyTorch's `conv2d`; see the tensor ``Tensors/conv2d(_:_:bias:stride:padding:dilation:groups:file:line:)``):
///
///     y[n, o, i, j] = b[o] + Σ_{c', p, q} w[o, c', p, q] · x[n, g·C/G + c', i·s − t + p·d, j·s − l + q·d]
///     x̄ = conv2dTranspose(ȳ, w),   w̄ = conv2dWeightGradient(x, ȳ),   b̄ = Σ_{n, i, j} ȳ
///
/// - Precondition: shapes, groups, stride, dilation and padding as for tensors; a violation stops
///   naming `conv2d`, both shapes and the caller's line.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func conv2d<S>(_ x: Variable<S>, _ w: Variable<S>, bias: Variable<S>? = nil, stride: Size2D = 1,
                      padding: ConvolutionPadding = 0, dilation: Size2D = 1, groups: Int = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkSameTape(x, w, "conv2d", file: file, line: line)
    if let bias { checkSameTape(x, bias, "conv2d", file: file, line: line) }
    let g = Convolution2DGeometry.checked("conv2d", input: x.shape, weight: w.shape, stride: stride, padding: padding,
                                          dilation: dilation, groups: groups, file: file, line: line)
    return x.recordConvolution(.conv2d, w, ConvolutionParameters(geometry: g, size: 0), file: file, line: line)
        .addingChannelBias(bias, "conv2d", file: file, line: line)
}

/// The transposed convolution of x [N, C_in, H, W] with w [C_in, C_out/groups, kH, kW] plus an
/// optional bias [C_out] (PyTorch's `conv_transpose2d`): the input gradient of conv2d, applied.
///
///     y = conv2dᵀ(x, w) + b,   H_out = (H − 1)·s − (t + b) + d·(kH − 1) + outputPadding + 1
///     x̄ = conv2d(ȳ, w),   w̄ = conv2dWeightGradient(ȳ, x),   b̄ = Σ_{n, i, j} ȳ
///
/// - Precondition: explicit padding, 0 ≤ outputPadding < stride, shapes as for conv2d with the
///   weight's first axis the input's channels.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func conv2dTranspose<S>(_ x: Variable<S>, _ w: Variable<S>, bias: Variable<S>? = nil, stride: Size2D = 1,
                               padding: ConvolutionPadding = 0, outputPadding: Size2D = 0, dilation: Size2D = 1,
                               groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    checkSameTape(x, w, "conv2dTranspose", file: file, line: line)
    if let bias { checkSameTape(x, bias, "conv2dTranspose", file: file, line: line) }
    let (g, size) = conv2dTransposeGeometry("conv2dTranspose", input: x.shape, weight: w.shape, stride: stride,
                                            padding: padding, outputPadding: outputPadding, dilation: dilation,
                                            groups: groups, file: file, line: line)
    return x.recordConvolution(.conv2dTranspose, w, ConvolutionParameters(geometry: g, size: size), file: file, line: line)
        .addingChannelBias(bias, "conv2dTranspose", file: file, line: line)
}

/// The 1-D convolution of x [N, C, L] with w [O, C/groups, k] plus an optional bias [O]: conv2d
/// with height 1 (recorded as reshapes around it).
///
///     y[n, o, i] = b[o] + Σ_{c', p} w[o, c', p] · x[n, g·C/G + c', i·s − l + p·d]
///
/// - Parameter padding: zeros on both ends (an integer), or `.same`; of explicit padding, left and right are used.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func conv1d<S>(_ x: Variable<S>, _ w: Variable<S>, bias: Variable<S>? = nil, stride: Int = 1,
                      padding: ConvolutionPadding = 0, dilation: Int = 1, groups: Int = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Variable<S> {
    if x.rank != 3 || w.rank != 3 {
        ShapeError.fail("conv1d", shapes: [x.shape, w.shape], detail: "the input must be [N, C, L] and the weight [O, C/groups, k]",
                        file: file, line: line)
    }
    let pad: ConvolutionPadding
    switch padding {
    case .same: pad = .same
    case .explicit(_, _, let l, let r): pad = .explicit(top: 0, bottom: 0, left: l, right: r)
    }
    let y = conv2d(x.reshaped(to: [x.shape[0], x.shape[1], 1, x.shape[2]], file: file, line: line),
                   w.reshaped(to: [w.shape[0], w.shape[1], 1, w.shape[2]], file: file, line: line), bias: bias,
                   stride: Size2D(1, stride), padding: pad, dilation: Size2D(1, dilation), groups: groups, file: file, line: line)
    return y.reshaped(to: [y.shape[0], y.shape[1], y.shape[3]], file: file, line: line)
}
