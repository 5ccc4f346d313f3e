import Tensors

/// A handle to a value recorded on a ``Tape``: the tape and the index of its record.
///
/// Variables are cheap to copy. Every operation on variables records itself on their tape;
/// the same operations exist for plain ``Tensor``s, without a tape.
public struct Variable<Scalar: TensorScalar> {
    /// The tape this variable is recorded on.
    public let tape: Tape<Scalar>
    /// The position of its record on the tape.
    public let index: Int

    @inlinable init(tape: Tape<Scalar>, index: Int) {
        self.tape = tape
        self.index = index
    }

    /// The value computed when the variable was recorded.
    /// (Read through the tape's record pointer: see Note [Tape storage] in Tape.swift.)
    @inlinable public var value: Tensor<Scalar> { tape.storage.pointee.value(at: index) }
    /// The shape of ``value``.
    @inlinable public var shape: [Int] { tape.storage.pointee.shape(at: index) }
    /// The number of dimensions of ``value``.
    @inlinable public var rank: Int { shape.count }
    /// Whether an adjoint can flow into this variable (it is trainable or depends on a trainable leaf).
    @inlinable public var needsGradient: Bool { tape.storage.pointee.base[index].needsGradient }

    /// The value if it is rank 0 and anomaly detection is off: the condition of the rank-0
    /// path (Note [Rank-0 path]); nil otherwise.
    @inlinable var unboxedScalar: Scalar? {
        let s = tape.storage
        guard s.pointee.anomalyDetection == .off, s.pointee.base[index].isRank0 else { return nil }
        return s.pointee.base[index].scalar
    }
}

/// Stops with a message if two variables live on different tapes.
@inlinable
func checkSameTape<S>(_ a: Variable<S>, _ b: Variable<S>, _ operation: String, file: StaticString, line: UInt) {
    if a.tape !== b.tape {
        ShapeError.fail(operation, shapes: [a.shape, b.shape], detail: "the variables belong to different tapes",
                        file: file, line: line)
    }
}

extension Variable: CustomStringConvertible {
    /// The record's index and value, e.g. `Variable #3: [[1.0, 2.0]]`.
    public var description: String { "Variable #\(index): \(value)" }
}

extension Tape {
    /// The adjoint ∂output/∂v of one variable (see ``gradient(of:wrt:seed:file:line:)``).
    public func gradient(
        of output: Variable<Scalar>, wrt variable: Variable<Scalar>, seed: Tensor<Scalar>? = nil,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor<Scalar> {
        gradient(of: output, wrt: [variable], seed: seed, file: file, line: line)[0]
    }
}

extension Tape {
    /// The variable whose record sits at `index` (as returned earlier by an operation):
    /// lets a holder keep a weak reference to the tape and an index instead of a variable.
    /// - Precondition: `index` is within the tape.
    public func recordedVariable(at index: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        if index < 0 || index >= records.count {
            ShapeError.fail("recordedVariable", shapes: [], detail: "index \(index) is outside the tape (\(records.count) records)",
                            file: file, line: line)
        }
        return Variable(tape: self, index: index)
    }
}
