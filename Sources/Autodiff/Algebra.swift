import Tensors

/// The operations derivative rules are written in: the tape's own ops, by family.
///
/// Note [One rule, two algebras]: every op's derivative rule (its `pullback` in `Ops/`) is
/// written once, generic over this protocol. Two types conform:
///
/// - `Tensor` evaluates each op eagerly with its forward kernel and records nothing. The
///   first-order reverse pass runs the rules here: the same kernels, in the same order, as
///   the hand-written VJPs they replaced, so the first-order bits did not change
///   (`FirstOrderBitsTests`).
/// - `Variable` evaluates the same kernel *and* records the op on the tape. The reverse pass
///   with `creatingGraph: true` runs the same rules here, so the backward pass becomes part of
///   the tape and can be differentiated again, to any order.
///
/// The rules only use ops that have rules of their own (the fused backward ops such as
/// `sigmoidBackward` included), so the table is closed under differentiation.
protocol DerivativeAlgebra {
    associatedtype Scalar: TensorScalar
    /// The value's shape.
    var shape: [Int] { get }
    /// The value itself (for rules whose choice depends on it: the masks of max, ELU, …).
    var primal: Tensor<Scalar> { get }
    /// A constant in the same algebra: the tensor itself, or a constant leaf on the same tape.
    func lifted(_ constant: Tensor<Scalar>) -> Self
    /// The value recorded at `index` of `tape`, as this algebra sees it: the record's tensor,
    /// or a variable that refers to it (so that later ops depend on it).
    static func operand(_ index: Int, on tape: Tape<Scalar>) -> Self
    /// a + b for two adjoints of the same record (accumulation in the reverse pass).
    static func accumulate(_ total: inout Self?, _ contribution: consuming Self)
    /// total += ȳ padded with zeros to `fullShape`, ȳ sitting from `lower` along `axis`: a
    /// slice's adjoint accumulated (Note [Slice adjoints]).
    static func accumulateSlice(_ total: inout Self?, _ g: consuming Self, lower: Int, axis: Int, fullShape: [Int])
    /// The sum down to a shape this value was broadcast from; itself when the shapes agree.
    func summed(toShape target: [Int]) -> Self

    static func unaryOp(_ f: UnaryFunction, _ x: Self) -> Self
    static func scalarOp(_ f: ScalarFunction, _ x: Self, _ c: Scalar) -> Self
    /// ``scalarOp(_:_:_:)`` that may overwrite `x` (an eager tensor does, in place: Note [Owned
    /// upstream]); the caller passes a value it no longer needs.
    static func scalarOp(_ f: ScalarFunction, reusing x: inout Self, _ c: Scalar) -> Self
    static func binaryOp(_ f: BinaryFunction, _ a: Self, _ b: Self) -> Self
    /// ``binaryOp(_:_:_:)`` that may overwrite `a` (Note [Owned upstream] in ReversePass.swift).
    static func binaryOp(_ f: BinaryFunction, reusing a: inout Self, _ b: Self) -> Self
    static func matmulOp(_ a: Self, _ b: Self, _ form: MatmulForm) -> Self
    static func reductionOp(_ f: Reduction, _ x: Self, axes: [Int], keepingDimensions: Bool) -> Self
    static func axisOp(_ f: AxisFunction, _ x: Self, axis: Int) -> Self
    static func shapeOp(_ f: ShapeFunction, _ x: Self, _ parameters: [Int]) -> Self
    static func argmaxOp(_ f: ArgmaxFunction, _ x: Self, _ indices: ArgmaxIndices) -> Self
    static func selectOp(_ a: Self, _ b: Self, condition: Tensor<Scalar>) -> Self
    static func lossOp(_ f: LossFunction, _ x: Self, upstream: Self?, _ parameters: LossParameters<Scalar>) -> Self
    static func convolutionOp(_ f: ConvolutionFunction, _ a: Self, _ b: Self, _ parameters: ConvolutionParameters) -> Self
    static func poolingOp(_ f: PoolingFunction, _ x: Self, _ parameters: PoolingParameters) -> Self
    static func naryOp(_ f: NaryFunction<Scalar>, _ xs: [Self]) -> Self
    /// The adjoints of a custom operation's inputs (its user-supplied VJP).
    static func customPullback(_ op: CustomOperation<Scalar>, inputs: [Self], output: Self, upstream: Self) -> [Self]
}

// Note [Slice adjoints]: the adjoint of x[lower..<upper] (along an axis) is ȳ padded with
// zeros to x's shape. Materialising the padded tensor costs O(size of x) per slice, so T slices
// of one tensor (the time steps of a sequence, the gates of an LSTM, the heads of an attention
// layer) cost O(T · size) — quadratic in T. An eager pass instead adds ȳ into the region of the
// accumulated adjoint in place, O(size of ȳ) per slice; only the first contribution is padded
// (it allocates the adjoint anyway). The values are the same sums, element by element; only
// the sign of an exact zero outside the region may differ (−0 stays −0 instead of −0 + 0 = +0).
// The recording algebra keeps the padded op, so the pass can be differentiated again.
extension DerivativeAlgebra {
    static func accumulateSlice(_ total: inout Self?, _ g: consuming Self, lower: Int, axis: Int, fullShape: [Int]) {
        let after = fullShape[axis] - lower - g.shape[axis]
        accumulate(&total, shapeOp(.padded, g, [lower, after, axis]))
    }
}

// The notation of the rules: arithmetic operators and a few named shapes of the ops above.
extension DerivativeAlgebra {
    @inline(__always) static func + (a: Self, b: Self) -> Self { binaryOp(.add, a, b) }
    @inline(__always) static func - (a: Self, b: Self) -> Self { binaryOp(.subtract, a, b) }
    @inline(__always) static func * (a: Self, b: Self) -> Self { binaryOp(.multiply, a, b) }
    @inline(__always) static func / (a: Self, b: Self) -> Self { binaryOp(.divide, a, b) }
    @inline(__always) static prefix func - (a: Self) -> Self { unaryOp(.negate, a) }
    @inline(__always) static func + (a: Self, c: Scalar) -> Self { scalarOp(.addScalar, a, c) }
    @inline(__always) static func * (a: Self, c: Scalar) -> Self { scalarOp(.multiplyScalar, a, c) }
    @inline(__always) static func / (a: Self, c: Scalar) -> Self { scalarOp(.divideByScalar, a, c) }

    /// ȳ ⊙ d with exactly 0 wherever ȳ is 0 (Note [Zero upstream]), broadcasting.
    @inline(__always) static func masked(_ g: Self, _ d: Self) -> Self { binaryOp(.maskedMultiply, g, d) }
    /// ``masked(_:_:)`` that may overwrite `g`.
    @inline(__always) static func masked(reusing g: inout Self, _ d: Self) -> Self {
        binaryOp(.maskedMultiply, reusing: &g, d)
    }

    /// The sum down to a shape this value was broadcast from; itself when the shapes agree.
    @inline(__always) func summed(toShape target: [Int]) -> Self { summedByShape(target) }
    /// ``summed(toShape:)`` by comparing shapes (the default).
    @inline(__always) func summedByShape(_ target: [Int]) -> Self {
        shape == target ? self : Self.shapeOp(.summedToShape, self, target)
    }
    /// The value broadcast to a shape; itself when the shapes agree.
    @inline(__always) func broadcasted(toShape target: [Int]) -> Self {
        shape == target ? self : Self.shapeOp(.broadcast, self, target)
    }
    /// The same elements in a new shape; itself when the shapes agree.
    @inline(__always) func reshaped(toShape target: [Int]) -> Self {
        shape == target ? self : Self.shapeOp(.reshaped, self, target)
    }
}

extension Tensor: DerivativeAlgebra {
    var primal: Tensor { self }
    @inline(__always)
    func lifted(_ constant: Tensor) -> Tensor { constant }
    @inline(__always)
    static func operand(_ index: Int, on tape: Tape<Scalar>) -> Tensor { tape.storage.pointee.value(at: index) }
    @inline(__always)
    static func accumulate(_ total: inout Tensor?, _ contribution: consuming Tensor) {
        if total == nil { total = contribution } else { total!.addInPlace(contribution) }
    }

    /// In place after the first contribution (Note [Slice adjoints]).
    static func accumulateSlice(_ total: inout Tensor?, _ g: consuming Tensor, lower: Int, axis: Int, fullShape: [Int]) {
        if total == nil {
            total = g.padded(alongAxis: axis, before: lower, after: fullShape[axis] - lower - g.shape[axis])
        } else {
            total!.addInPlace(g, atOffset: lower, alongAxis: axis)
        }
    }

    static func unaryOp(_ f: UnaryFunction, _ x: Tensor) -> Tensor { f.forward(x) }
    static func scalarOp(_ f: ScalarFunction, _ x: Tensor, _ c: Scalar) -> Tensor { f.forward(x, c) }
    @inline(__always)
    static func scalarOp(_ f: ScalarFunction, reusing x: inout Tensor, _ c: Scalar) -> Tensor {
        if !f.forward(inPlace: &x, c) { return f.forward(x, c) }
        return x
    }
    static func binaryOp(_ f: BinaryFunction, _ a: Tensor, _ b: Tensor) -> Tensor {
        f.forward(a, b, file: #fileID, line: #line)
    }
    @inline(__always)
    static func binaryOp(_ f: BinaryFunction, reusing a: inout Tensor, _ b: Tensor) -> Tensor {
        if !f.forward(inPlace: &a, b) { return f.forward(a, b, file: #fileID, line: #line) }
        return a
    }
    static func matmulOp(_ a: Tensor, _ b: Tensor, _ form: MatmulForm) -> Tensor {
        form.forward(a, b, file: #fileID, line: #line)
    }
    static func reductionOp(_ f: Reduction, _ x: Tensor, axes: [Int], keepingDimensions: Bool) -> Tensor {
        f.forward(x, axes: axes, keepingDimensions: keepingDimensions)
    }
    static func axisOp(_ f: AxisFunction, _ x: Tensor, axis: Int) -> Tensor { f.forward(x, axis: axis) }
    static func shapeOp(_ f: ShapeFunction, _ x: Tensor, _ parameters: [Int]) -> Tensor {
        f.forward(x, parameters, file: #fileID, line: #line)
    }
    static func argmaxOp(_ f: ArgmaxFunction, _ x: Tensor, _ indices: ArgmaxIndices) -> Tensor {
        f.forward(x, indices)
    }
    static func selectOp(_ a: Tensor, _ b: Tensor, condition: Tensor) -> Tensor {
        Tensors.select(condition, a, b)
    }
    static func lossOp(_ f: LossFunction, _ x: Tensor, upstream: Tensor?, _ parameters: LossParameters<Scalar>) -> Tensor {
        f.forward(x, upstream: upstream, parameters)
    }
    static func convolutionOp(_ f: ConvolutionFunction, _ a: Tensor, _ b: Tensor, _ parameters: ConvolutionParameters) -> Tensor {
        f.forward(a, b, parameters)
    }
    static func poolingOp(_ f: PoolingFunction, _ x: Tensor, _ parameters: PoolingParameters) -> Tensor {
        f.forward(x, parameters)
    }
    static func naryOp(_ f: NaryFunction<Scalar>, _ xs: [Tensor]) -> Tensor {
        f.forward(xs, file: #fileID, line: #line)
    }
    static func customPullback(_ op: CustomOperation<Scalar>, inputs: [Tensor], output: Tensor, upstream: Tensor) -> [Tensor] {
        op.vjp(inputs, output, upstream)
    }
}

extension Variable: DerivativeAlgebra {
    var primal: Tensor<Scalar> { value }
    func lifted(_ constant: Tensor<Scalar>) -> Variable { tape.constant(constant) }
    static func operand(_ index: Int, on tape: Tape<Scalar>) -> Variable { Variable(tape: tape, index: index) }
    static func accumulate(_ total: inout Variable?, _ contribution: consuming Variable) {
        if let t = total { total = binaryOp(.add, t, contribution) } else { total = contribution }
    }

    static func unaryOp(_ f: UnaryFunction, _ x: Variable) -> Variable { x.unary(f, file: "", line: 0) }
    @inline(__always)
    static func scalarOp(_ f: ScalarFunction, _ x: Variable, _ c: Scalar) -> Variable {
        if let v = x.unboxedScalar {  // Note [Rank-0 path]
            return x.tape.recordScalar(.scalar(f, x.index, c), f.forward(scalar: v, c), needsGradient: x.needsGradient)
        }
        return x.tape.record(.scalar(f, x.index, c), value: f.forward(x.value, c), needsGradient: x.needsGradient)
    }
    static func scalarOp(_ f: ScalarFunction, reusing x: inout Variable, _ c: Scalar) -> Variable {
        scalarOp(f, x, c)
    }
    static func binaryOp(_ f: BinaryFunction, _ a: Variable, _ b: Variable) -> Variable {
        a.recordBinary(f, b, file: "", line: 0)
    }
    static func binaryOp(_ f: BinaryFunction, reusing a: inout Variable, _ b: Variable) -> Variable {
        a.recordBinary(f, b, file: "", line: 0)
    }
    static func matmulOp(_ a: Variable, _ b: Variable, _ form: MatmulForm) -> Variable {
        a.tape.record(.matmul(a.index, b.index, form), value: form.forward(a.value, b.value, file: #fileID, line: #line),
                      needsGradient: a.needsGradient || b.needsGradient)
    }
    static func reductionOp(_ f: Reduction, _ x: Variable, axes: [Int], keepingDimensions: Bool) -> Variable {
        x.tape.record(.reduction(f, x.index, axes: axes, keepingDimensions: keepingDimensions),
                      value: f.forward(x.value, axes: axes, keepingDimensions: keepingDimensions), needsGradient: x.needsGradient)
    }
    static func axisOp(_ f: AxisFunction, _ x: Variable, axis: Int) -> Variable {
        x.tape.record(.axis(f, x.index, axis: axis), value: f.forward(x.value, axis: axis), needsGradient: x.needsGradient)
    }
    static func shapeOp(_ f: ShapeFunction, _ x: Variable, _ parameters: [Int]) -> Variable {
        x.tape.record(.shape(f, x.index, parameters), value: f.forward(x.value, parameters, file: #fileID, line: #line),
                      needsGradient: x.needsGradient)
    }
    static func argmaxOp(_ f: ArgmaxFunction, _ x: Variable, _ indices: ArgmaxIndices) -> Variable {
        x.tape.record(.argmax(f, x.index, indices), value: f.forward(x.value, indices), needsGradient: x.needsGradient)
    }
    static func selectOp(_ a: Variable, _ b: Variable, condition: Tensor<Scalar>) -> Variable {
        a.tape.record(.select(a.index, b.index, condition: condition), value: Tensors.select(condition, a.value, b.value),
                      needsGradient: a.needsGradient || b.needsGradient)
    }
    static func lossOp(_ f: LossFunction, _ x: Variable, upstream: Variable?, _ parameters: LossParameters<Scalar>) -> Variable {
        x.tape.record(.loss(f, x.index, upstream: upstream?.index, parameters),
                      value: f.forward(x.value, upstream: upstream?.value, parameters),
                      needsGradient: x.needsGradient || upstream?.needsGradient == true)
    }
    static func convolutionOp(_ f: ConvolutionFunction, _ a: Variable, _ b: Variable,
                              _ parameters: ConvolutionParameters) -> Variable {
        a.recordConvolution(f, b, parameters, file: #fileID, line: #line)
    }
    static func poolingOp(_ f: PoolingFunction, _ x: Variable, _ parameters: PoolingParameters) -> Variable {
        x.tape.record(.pooling(f, x.index, parameters), value: f.forward(x.value, parameters), needsGradient: x.needsGradient)
    }
    static func naryOp(_ f: NaryFunction<Scalar>, _ xs: [Variable]) -> Variable {
        xs[0].tape.record(.nary(f, xs.map(\.index)), value: f.forward(xs.map(\.value), file: #fileID, line: #line),
                          needsGradient: xs.contains(where: \.needsGradient))
    }
    static func customPullback(_ op: CustomOperation<Scalar>, inputs: [Variable], output: Variable,
                               upstream: Variable) -> [Variable] {
        if let rule = op.differentiableVJP { return rule(inputs, output, upstream) }
        // A Tensor-only VJP: its values are recorded as ops that cannot be differentiated again
        // (their own rule stops with a message naming the operation and where it was defined).
        let tape = upstream.tape
        let values = op.vjp(inputs.map(\.value), output.value, upstream.value)
        let operands = [upstream.index] + inputs.map(\.index)
        let needs = upstream.needsGradient || inputs.contains(where: \.needsGradient)
        return values.enumerated().map { k, value in
            tape.record(.nary(.customAdjoint(op, input: k), operands), value: value, needsGradient: needs)
        }
    }

    /// Records an op of the binary family after the caller has checked tapes and shapes.
    @inline(__always)
    func recordBinary(_ f: BinaryFunction, _ other: Variable, file: StaticString, line: UInt) -> Variable {
        if f != .addBias, let a = unboxedScalar, let b = other.unboxedScalar {  // Note [Rank-0 path]
            return tape.recordScalar(.binary(f, index, other.index), f.forward(scalar: a, b),
                                     needsGradient: needsGradient || other.needsGradient)
        }
        return tape.record(.binary(f, index, other.index), value: f.forward(value, other.value, file: file, line: line),
                           needsGradient: needsGradient || other.needsGradient, file: file, line: line)
    }
}
