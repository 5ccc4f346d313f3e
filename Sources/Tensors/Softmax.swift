// Softmax and log-softmax along an axis, computed stably by subtracting the maximum first.

extension Tensor {
    /// Softmax along an axis, stable for any input (the maximum is subtracted first):
    ///
    ///     yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m),   m = maxⱼ xⱼ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func softmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Shape.checkedAxis(axis, of: shape, operation: "softmax", file: file, line: line)
        let m = max(alongAxis: axis, keepingDimensions: true, file: file, line: line)
        let e = Tensors.exp(self - m)
        return e / e.sum(alongAxes: [axis], keepingDimensions: true, file: file, line: line)
    }

    /// Log-softmax along an axis, stable for any input:
    ///
    ///     yᵢ = (xᵢ − m) − ln Σⱼ e^(xⱼ − m),   m = maxⱼ xⱼ
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func logSoftmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Shape.checkedAxis(axis, of: shape, operation: "logSoftmax", file: file, line: line)
        let shifted = self - max(alongAxis: axis, keepingDimensions: true, file: file, line: line)
        return shifted - Tensors.log(Tensors.exp(shifted).sum(alongAxes: [axis], keepingDimensions: true,
                                                             file: file, line: line))
    }
}

/// Softmax along an axis of a plain tensor (the free-function form of
/// ``Tensor/softmax(alongAxis:file:line:)``, as for variables):
///
///     yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m),   m = maxⱼ xⱼ
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func softmax<S>(_ x: Tensor<S>, alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    x.softmax(alongAxis: axis, file: file, line: line)
}

/// Log-softmax along an axis of a plain tensor (the free-function form of
/// ``Tensor/logSoftmax(alongAxis:file:line:)``):
///
///     yᵢ = (xᵢ − m) − ln Σⱼ e^(xⱼ − m),   m = maxⱼ xⱼ
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSoftmax<S>(_ x: Tensor<S>, alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    x.logSoftmax(alongAxis: axis, file: file, line: line)
}

/// ln Σ eˣ along an axis of a plain tensor, stable: m + ln Σⱼ e^(xⱼ − m) with m = max x.
/// - Parameters:
///   - axis: the axis to reduce (negative counts from the end).
///   - keepingDimensions: keep it with size 1.
@_specialize(exported: true, where S == Float) @_specialize(exported: true, where S == Double)
public func logSumExp<S>(_ x: Tensor<S>, alongAxis axis: Int = -1, keepingDimensions: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor<S> {
    let m = x.max(alongAxis: axis, keepingDimensions: true, file: file, line: line)
    let y = log(exp(x - m).sum(alongAxes: [axis], keepingDimensions: true, file: file, line: line)) + m
    if keepingDimensions { return y }
    var shape = x.shape
    shape.remove(at: Shape.normalizedAxis(axis, rank: x.rank)!)
    return y.reshaped(to: shape, file: file, line: line)
}
