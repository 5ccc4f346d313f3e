import Tensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

// Note [Rank-0 path]: a scalar program (the peers' chain y = tanh(y·a + b), a loss assembled
// from scalars) records ops whose arithmetic is one instruction; a `Tensor` per value costs a
// heap array, its shape array and their reference counts — ten times the arithmetic. So:
//
// - A record holds a rank-0 value unboxed (`Record.scalar`, no tensor); `value(at:)` boxes it
//   afresh on demand, `shape(at:)` is [] without a tensor. Recording a rank-0 op allocates nothing.
// - An element-wise op (the unary, scalar-constant and binary families) whose inputs are all
//   rank 0 computes its value with the scalar kernels below and appends such a record
//   (`Tape.recordScalar`). Their rank-0 output implies rank-0 inputs (broadcasting never
//   lowers the rank), so the check is on the inputs only.
// - The first-order reverse pass keeps the adjoint of every rank-0 record unboxed (a `Scalar?`
//   slot) and runs the rule of a rank-0 element-wise record in the algebra `Unboxed` — the
//   same rule text as for tensors and variables (Note [One rule, two algebras]), a third
//   algebra whose values are plain scalars. Any other record reading or writing a rank-0
//   adjoint boxes or unboxes it at the boundary.
// - Every kernel is the per-element closure of the tensor kernel, so results are the same bits
//   (ScalarPathTests checks every element-wise op against the tensor path); an op without its
//   own scalar kernel here runs the tensor kernel on a boxed value (same bits by construction).
// - With anomaly detection on, everything takes the general path (it checks tensors).
// - The recording pass (`creatingGraph: true`) is unchanged: it runs the rules on variables,
//   whose rank-0 ops record through this path in turn.

/// A rank-0 value as a plain scalar: the algebra of the first-order reverse pass over rank-0
/// records (Note [Rank-0 path]).
struct Unboxed<Scalar: TensorScalar>: DerivativeAlgebra {
    var value: Scalar

    @inline(__always) init(_ value: Scalar) { self.value = value }
    /// The single element of a rank-0 tensor made by a tensor kernel.
    @inline(__always) init(boxed t: Tensor<Scalar>) {
        precondition(t.rank == 0, "Unboxed: a rank-0 rule produced shape \(t.shape) (Note [Rank-0 path])")
        value = t.scalar
    }

    var shape: [Int] { [] }
    /// Itself: a rank-0 rule sums only to rank 0 (no shapes compared).
    @inline(__always) func summed(toShape target: [Int]) -> Unboxed { self }
    var primal: Tensor<Scalar> { Tensor(value) }
    func lifted(_ constant: Tensor<Scalar>) -> Unboxed { Unboxed(boxed: constant) }
    @inline(__always)
    static func operand(_ index: Int, on tape: Tape<Scalar>) -> Unboxed { Unboxed(tape.storage.pointee.base[index].scalar) }
    @inline(__always)
    static func accumulate(_ total: inout Unboxed?, _ contribution: consuming Unboxed) {
        if let t = total { total = Unboxed(t.value + contribution.value) } else { total = contribution }
    }

    @inline(__always) static func unaryOp(_ f: UnaryFunction, _ x: Unboxed) -> Unboxed { Unboxed(f.forward(scalar: x.value)) }
    @inline(__always) static func scalarOp(_ f: ScalarFunction, _ x: Unboxed, _ c: Scalar) -> Unboxed {
        Unboxed(f.forward(scalar: x.value, c))
    }
    @inline(__always) static func scalarOp(_ f: ScalarFunction, reusing x: inout Unboxed, _ c: Scalar) -> Unboxed {
        scalarOp(f, x, c)
    }
    @inline(__always) static func binaryOp(_ f: BinaryFunction, _ a: Unboxed, _ b: Unboxed) -> Unboxed {
        Unboxed(f.forward(scalar: a.value, b.value))
    }
    @inline(__always) static func binaryOp(_ f: BinaryFunction, reusing a: inout Unboxed, _ b: Unboxed) -> Unboxed {
        binaryOp(f, a, b)
    }
    // The other families never occur in the rules of rank-0 element-wise ops except through
    // `select` (maximum, minimum, ELU, leaky ReLU); all run the tensor kernel on boxed values.
    static func matmulOp(_ a: Unboxed, _ b: Unboxed, _ form: MatmulForm) -> Unboxed {
        Unboxed(boxed: Tensor.matmulOp(a.primal, b.primal, form))
    }
    static func reductionOp(_ f: Reduction, _ x: Unboxed, axes: [Int], keepingDimensions: Bool) -> Unboxed {
        Unboxed(boxed: Tensor.reductionOp(f, x.primal, axes: axes, keepingDimensions: keepingDimensions))
    }
    static func axisOp(_ f: AxisFunction, _ x: Unboxed, axis: Int) -> Unboxed {
        Unboxed(boxed: Tensor.axisOp(f, x.primal, axis: axis))
    }
    static func shapeOp(_ f: ShapeFunction, _ x: Unboxed, _ parameters: [Int]) -> Unboxed {
        Unboxed(boxed: Tensor.shapeOp(f, x.primal, parameters))
    }
    static func argmaxOp(_ f: ArgmaxFunction, _ x: Unboxed, _ indices: ArgmaxIndices) -> Unboxed {
        Unboxed(boxed: Tensor.argmaxOp(f, x.primal, indices))
    }
    static func selectOp(_ a: Unboxed, _ b: Unboxed, condition: Tensor<Scalar>) -> Unboxed {
        Unboxed(boxed: Tensor.selectOp(a.primal, b.primal, condition: condition))
    }
    static func lossOp(_ f: LossFunction, _ x: Unboxed, upstream: Unboxed?, _ parameters: LossParameters<Scalar>) -> Unboxed {
        Unboxed(boxed: Tensor.lossOp(f, x.primal, upstream: upstream?.primal, parameters))
    }
    static func convolutionOp(_ f: ConvolutionFunction, _ a: Unboxed, _ b: Unboxed, _ parameters: ConvolutionParameters) -> Unboxed {
        Unboxed(boxed: Tensor.convolutionOp(f, a.primal, b.primal, parameters))
    }
    static func poolingOp(_ f: PoolingFunction, _ x: Unboxed, _ parameters: PoolingParameters) -> Unboxed {
        Unboxed(boxed: Tensor.poolingOp(f, x.primal, parameters))
    }
    static func naryOp(_ f: NaryFunction<Scalar>, _ xs: [Unboxed]) -> Unboxed {
        Unboxed(boxed: Tensor.naryOp(f, xs.map(\.primal)))
    }
    static func customPullback(_ op: CustomOperation<Scalar>, inputs: [Unboxed], output: Unboxed, upstream: Unboxed) -> [Unboxed] {
        op.vjp(inputs.map(\.primal), output.primal, upstream.primal).map { Unboxed(boxed: $0) }
    }
}

// The scalar kernels: each the closure its tensor kernel maps (Tensors/Arithmetic.swift,
// Activations.swift); an op without one here runs its tensor kernel on a boxed value.

extension UnaryFunction {
    /// y = f(x) for one scalar: the same bits as ``forward(_:)`` on a rank-0 tensor.
    @inline(__always)
    func forward<S: TensorScalar>(scalar x: S) -> S {
        switch self {
        case .negate: -x
        case .exp: S.exp(x)
        case .log: S.log(x)
        case .sigmoid: sigmoidScalar(x)
        case .tanh: S.tanh(x)
        case .relu: x < 0 ? 0 : x
        case .abs: Swift.abs(x)
        case .sin: S.sin(x)
        case .cos: S.cos(x)
        case .square: x * x
        case .sqrt: x.squareRoot()
        case .log1p: S.log1p(x)
        case .expm1: S.expm1(x)
        case .softplus, .silu, .erf, .gelu, .geluTanh: forward(Tensor(x)).scalar
        }
    }
}

extension ScalarFunction {
    /// y = f(x, c) for one scalar: the same bits as ``forward(_:_:)`` on a rank-0 tensor.
    @inline(__always)
    func forward<S: TensorScalar>(scalar x: S, _ c: S) -> S {
        switch self {
        case .addScalar: x + c
        case .multiplyScalar: x * c
        case .divideByScalar: x / c
        case .scalarDivide: c / x
        case .pow, .elu, .leakyRelu: forward(Tensor(x), c).scalar
        }
    }
}

extension BinaryFunction {
    /// z = f(a, b) for two scalars: the same bits as ``forward(_:_:file:line:)`` on rank-0 tensors.
    @inline(__always)
    func forward<S: TensorScalar>(scalar a: S, _ b: S) -> S {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .maximum: a >= b ? a : b
        case .minimum: a <= b ? a : b
        case .maskedMultiply: Self.maskedProduct(a, b)
        case .maskedDivide: Self.maskedQuotient(a, b)
        case .sigmoidBackward: Self.sigmoidDerivative(a, b)
        case .tanhBackward: Self.tanhDerivative(a, b)
        case .reluBackward: Self.reluDerivative(a, b)
        case .absBackward: Self.absDerivative(a, b)
        case .addBias: forward(Tensor(a), Tensor(b), file: #fileID, line: #line).scalar
        }
    }
}

/// The reverse pass's flag byte per record and, in the first-order pass, the unboxed adjoints of
/// rank-0 records (Note [Rank-0 path]), in zero-filled memory (Note [Adjoint slots]).
struct UnboxedAdjoints<Scalar: TensorScalar> {
    let values: UnsafeMutablePointer<Scalar>
    let flags: UnsafeMutablePointer<UInt8>
    /// Flag bits: an unboxed adjoint is present; the record's adjoint was requested; its tensor
    /// (or variable) slot has been written.
    static var present: UInt8 { 1 }
    static var wanted: UInt8 { 2 }
    static var written: UInt8 { 4 }

    /// Flags for `count` records, and unboxed values for them if `values`.
    init(count: Int, values: Bool) {
        self.values = Tape<Scalar>.zeroed(values ? count : 0, of: Scalar.self)
        flags = Tape<Scalar>.zeroed(count, of: UInt8.self)
    }
    func release() {
        free(values)
        free(flags)
    }
    /// The adjoint of record `j`, nil if nothing has flowed into it.
    @inline(__always) subscript(j: Int) -> Scalar? { flags[j] & Self.present != 0 ? values[j] : nil }
    /// x̄ⱼ += c (the first contribution is stored as is, as `Tensor`'s accumulate does).
    @inline(__always) func add(_ c: Scalar, to j: Int) {
        if flags[j] & Self.present != 0 {
            values[j] = values[j] + c
        } else {
            values[j] = c
            flags[j] |= Self.present
        }
    }
}

extension Tape {
    /// Runs the rule of rank-0 element-wise record `i` on unboxed scalars, accumulating into
    /// the inputs' unboxed adjoints; false (nothing done) for a record of another family.
    /// - Precondition: record `i` is rank 0 (so are its inputs, for these families).
    @inline(__always)
    func backpropagateUnboxed(_ i: Int, upstream: Scalar, into slots: UnboxedAdjoints<Scalar>) -> Bool {
        let base = storage.pointee.base
        @inline(__always) func x(_ j: Int) -> Unboxed<Scalar> { Unboxed(base[j].scalar) }
        @inline(__always) func needs(_ j: Int) -> Bool { base[j].needsGradient }
        @inline(__always) func add(_ t: Unboxed<Scalar>?, _ j: Int) {
            guard let t, base[j].needsGradient else { return }
            slots.add(t.value, to: j)
        }
        var g = Unboxed(upstream)
        switch base[i].op {
        case .unary(let f, let a): add(f.pullback(&g, x: x(a), y: x(i)), a)
        case .scalar(let f, let a, let c): add(f.pullback(&g, x: x(a), y: x(i), c), a)
        case .binary(let f, let a, let b):
            let (ga, gb) = f.pullback(g, x(a), x(b), y: x(i), needs: (needs(a), needs(b)))
            add(ga, a)
            add(gb, b)
        default: return false
        }
        return true
    }
}
