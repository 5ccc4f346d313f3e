import Tensors

/// A Wengert list: the record of every operation executed on its variables, in execution order.
///
/// Executing an operation on ``Variable``s computes its value *and* appends a record (the
/// operation, its inputs' indices, its value and what its VJP needs). Because records are
/// appended as the program runs, the array is already in topological order: the reverse pass
/// (``gradient(of:wrt:seed:file:line:)``) is one backwards loop over it. Loops, conditionals
/// and recursion in user code simply produce longer tapes.
///
///     let tape = Tape<Double>()
///     let w = tape.variable(Tensor([[0.5, -0.4], [0.3, 0.8]]))
///     let x = tape.constant(Tensor([[0, 1], [1, 0]]))
///     let loss = sigmoid(matmul(x, w)).sum()
///     let gradients = tape.gradient(of: loss, wrt: [w])
///
/// A tape is a reference type owned by the variables that point to it: it and every value it
/// holds are released when the last of them goes away. It is not thread-safe; use one tape
/// per thread.
public final class Tape<Scalar: TensorScalar> {
    /// The records, in execution order.
    @usableFromInline var records: [Record<Scalar>] = []
    /// False inside ``withoutGradients(_:)``.
    @usableFromInline var isRecordingGradients = true

    /// An empty tape.
    public init() {}

    /// The number of records (leaves and operations) on the tape.
    public var count: Int { records.count }

    /// Records a trainable leaf: the reverse pass computes its adjoint.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func variable(_ value: Tensor<Scalar>) -> Variable<Scalar> {
        append(Record(op: .leaf, value: value, needsGradient: isRecordingGradients))
    }

    /// Records a constant leaf (data, labels): no adjoint flows into it, and the reverse pass
    /// skips every record that depends only on constants.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func constant(_ value: Tensor<Scalar>) -> Variable<Scalar> {
        append(Record(op: .leaf, value: value, needsGradient: false))
    }

    /// A rank-0 constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func constant(_ value: Scalar) -> Variable<Scalar> { constant(Tensor(value)) }

    /// Runs `body` without recording gradients: every operation inside produces a constant, as
    /// in PyTorch's `torch.no_grad()` (evaluation, metrics, updates of parameters' values).
    public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
        let saved = isRecordingGradients
        isRecordingGradients = false
        defer { isRecordingGradients = saved }
        return try body()
    }

    @usableFromInline @inline(__always)
    func append(_ record: Record<Scalar>) -> Variable<Scalar> {
        records.append(record)
        return Variable(tape: self, index: records.count - 1)
    }

    /// Appends an operation's record. Its output needs a gradient when any input does (and
    /// gradients are being recorded); otherwise it is stored as a constant leaf, keeping no
    /// saved values for a VJP that will never run.
    @usableFromInline @inline(__always)
    func record(_ op: Op<Scalar>, value: Tensor<Scalar>, needsGradient: Bool) -> Variable<Scalar> {
        if needsGradient && isRecordingGradients {
            return append(Record(op: op, value: value, needsGradient: true))
        }
        return append(Record(op: .leaf, value: value, needsGradient: false))
    }
}

/// One entry of the tape: the operation (with its inputs' indices and saved values), its
/// output value, and whether an adjoint can flow through it.
@usableFromInline
struct Record<Scalar: TensorScalar> {
    @usableFromInline let op: Op<Scalar>
    @usableFromInline let value: Tensor<Scalar>
    @usableFromInline let needsGradient: Bool

    @inlinable init(op: Op<Scalar>, value: Tensor<Scalar>, needsGradient: Bool) {
        self.op = op
        self.value = value
        self.needsGradient = needsGradient
    }
}
