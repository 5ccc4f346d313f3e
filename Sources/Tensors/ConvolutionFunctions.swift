// The public 2-D convolutions on plain tensors (NCHW, PyTorch's layout and semantics).

/// The 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of x [N, C, H, W] with
/// w [O, C/groups, kH, kW], plus an optional bias [O]:
///
///     y[n, o, i, j] = b[o] + Σ_{c', p, q} w[o, c', p, q] · x[n, g·C/G + c', i·s − t + p·d, j·s − l + q·d]
///     H_out = ⌊(H + t + b − d·(kH − 1) − 1) / s⌋ + 1   (likewise W_out)
///
/// - Parameters:
///   - stride: the step between windows (s), per axis or both.
///   - padding: zeros around the input: an integer, `[h, w]`, `[top, bottom, left, right]` or `.same`.
///   - dilation: the step between a window's taps (d).
///   - groups: channels split into independent groups (G divides C and O).
/// - Precondition: shapes as above, stride and dilation ≥ 1, and the dilated kernel fits in the
///   padded input; otherwise it stops naming `conv2d`, both shapes and the caller's line.
/// - Complexity: O(N·O·(C/G)·kH·kW·H_out·W_out) by im2col and GEMM (Note [Convolution by im2col]).
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func conv2d<S>(_ x: Tensor<S>, _ w: Tensor<S>, bias: Tensor<S>? = nil, stride: Size2D = 1,
                      padding: ConvolutionPadding = 0, dilation: Size2D = 1, groups: Int = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let g = Convolution2DGeometry.checked("conv2d", input: x.shape, weight: w.shape, stride: stride, padding: padding,
                                          dilation: dilation, groups: groups, file: file, line: line)
    return addingChannelBias(Convolution2D.forward(x, w, g), bias, "conv2d", file: file, line: line)
}

/// y + b broadcast over [N, ·, H, W], after checking that b is [O].
func addingChannelBias<S>(_ y: Tensor<S>, _ bias: Tensor<S>?, _ op: String, file: StaticString, line: UInt) -> Tensor<S> {
    guard let bias else { return y }
    if bias.shape != [y.shape[1]] {
        ShapeError.fail(op, shapes: [y.shape, bias.shape], detail: "the bias must be [\(y.shape[1])], one per output channel",
                        file: file, line: line)
    }
    return y.adding(bias.reshaped(to: [1, y.shape[1], 1, 1]), file: file, line: line)
}

/// The geometry of a transposed convolution of x [N, C_in, H, W] with w [C_in, C_out/G, kH, kW]
/// (PyTorch's `conv_transpose2d`): the conv2d geometry whose input gradient it is, and its output
/// size
///
///     H_out = (H − 1)·s − (t + b) + d·(kH − 1) + outputPadding + 1
///
/// - Precondition: as ``conv2d(_:_:bias:stride:padding:dilation:groups:file:line:)``, explicit
///   padding, 0 ≤ outputPadding < stride, and a positive output size.
public func conv2dTransposeGeometry(_ op: String, input x: [Int], weight w: [Int], stride: Size2D, padding: ConvolutionPadding,
                                    outputPadding: Size2D, dilation: Size2D, groups: Int,
                                    file: StaticString, line: UInt) -> (Convolution2DGeometry, Size2D) {
    func fail(_ detail: String) -> Never { ShapeError.fail(op, shapes: [x, w], detail: detail, file: file, line: line) }
    if x.count != 4 || w.count != 4 { fail("the input must be [N, C_in, H, W] and the weight [C_in, C_out/groups, kH, kW]") }
    if x[1] != w[0] { fail("the weight expects \(w[0]) input channels, the input has \(x[1])") }
    guard case .explicit(let t, let b, let l, let r) = padding else { fail("padding .same is not defined for conv2dTranspose") }
    if outputPadding.height < 0 || outputPadding.width < 0 || outputPadding.height >= max(stride.height, 1)
        || outputPadding.width >= max(stride.width, 1) {
        fail("output padding \(outputPadding) must be in 0..<stride (\(stride))")
    }
    let out = Size2D((x[2] - 1) * stride.height - t - b + dilation.height * (w[2] - 1) + outputPadding.height + 1,
                     (x[3] - 1) * stride.width - l - r + dilation.width * (w[3] - 1) + outputPadding.width + 1)
    if out.height < 1 || out.width < 1 { fail("the output would be \(out): padding \(padding) is too large") }
    let g = Convolution2DGeometry.checked(op, input: [x[0], w[1] * groups, out.height, out.width], weight: w, stride: stride,
                                          padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    return (g, out)
}

/// The transposed convolution (PyTorch's `conv_transpose2d`): the input gradient of conv2d with
/// weight w, applied to x [N, C_in, H, W], with w [C_in, C_out/groups, kH, kW] and bias [C_out]:
///
///     y[n, c, h, w] = b[c] + Σ_{i, j, p, q : h = i·s − t + p·d, w = j·s − l + q·d} x[n, o, i, j] · w[o, c', p, q]
///     H_out = (H − 1)·s − (t + b) + d·(kH − 1) + outputPadding + 1
///
/// - Precondition: see ``conv2dTransposeGeometry(_:input:weight:stride:padding:outputPadding:dilation:groups:file:line:)``.
/// - Complexity: that of the conv2d it transposes.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func conv2dTranspose<S>(_ x: Tensor<S>, _ w: Tensor<S>, bias: Tensor<S>? = nil, stride: Size2D = 1,
                               padding: ConvolutionPadding = 0, outputPadding: Size2D = 0, dilation: Size2D = 1,
                               groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let (g, size) = conv2dTransposeGeometry("conv2dTranspose", input: x.shape, weight: w.shape, stride: stride, padding: padding,
                                            outputPadding: outputPadding, dilation: dilation, groups: groups,
                                            file: file, line: line)
    return addingChannelBias(Convolution2D.inputGradient(x, w, g, inputSize: size), bias, "conv2dTranspose",
                             file: file, line: line)
}
