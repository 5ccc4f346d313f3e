import Tensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

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
    /// The records and the recording flags, kept in unsafe memory owned by the tape.
    ///
    /// Note [Tape storage]: a `var` stored property of a class is guarded by a dynamic
    /// exclusivity check (`swift_beginAccess`, ~120 instructions) on every access the optimiser
    /// cannot prove private, and a Swift array of generic records adds copy-on-write checks and
    /// generic value-witness copies on growth. Recording a scalar op is a few hundred
    /// instructions in all, so those checks were a third of it. The tape therefore owns one
    /// header (a `let` pointer: no exclusivity check) holding a manually grown buffer of records.
    /// Soundness rests on two rules the tape enforces itself: records are only appended (never
    /// removed or mutated), and nothing is appended while the reverse pass holds a pointer into
    /// the buffer (``gradient(of:wrt:seed:file:line:)`` sets `isDifferentiating`).
    @usableFromInline let storage: UnsafeMutablePointer<TapeStorage<Scalar>>

    /// An empty tape.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: TapeStorage(capacity: 16))
    }

    deinit {
        storage.pointee.release()
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// The records recorded so far, in execution order.
    @inlinable var records: UnsafeBufferPointer<Record<Scalar>> {
        UnsafeBufferPointer(start: storage.pointee.base, count: storage.pointee.count)
    }

    /// Whether operations record gradients: false inside ``withoutGradients(_:)``.
    @inlinable public internal(set) var isRecordingGradients: Bool {
        get { storage.pointee.isRecordingGradients }
        set { storage.pointee.isRecordingGradients = newValue }
    }

    /// The number of records (leaves and operations) on the tape.
    public var count: Int { storage.pointee.count }

    /// The bytes of one record in the tape's buffer (for the benchmarks' memory figures).
    @_spi(Benchmarks) public static var recordStride: Int { MemoryLayout<Record<Scalar>>.stride }

    /// Records a trainable leaf: the reverse pass computes its adjoint.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func variable(_ value: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        if storage.pointee.anomalyDetection != .off { checkForward(.leaf, value, file: file, line: line, isVariable: true) }
        return append(.leaf, value: value, needsGradient: isRecordingGradients)
    }

    /// Records a constant leaf (data, labels): no adjoint flows into it, and the reverse pass
    /// skips every record that depends only on constants.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func constant(_ value: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        if storage.pointee.anomalyDetection != .off { checkForward(.leaf, value, file: file, line: line, isVariable: false) }
        return append(.leaf, value: value, needsGradient: false)
    }

    /// A rank-0 constant.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func constant(_ value: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        constant(Tensor(value), file: file, line: line)
    }

    /// Runs `body` without recording gradients: every operation inside produces a constant, as
    /// in PyTorch's `torch.no_grad()` (evaluation, metrics, updates of parameters' values).
    public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
        let saved = isRecordingGradients
        isRecordingGradients = false
        defer { isRecordingGradients = saved }
        return try body()
    }

    /// Appends a record, built in place in the buffer (a `Record` passed by value would be
    /// copied in and destroyed again: two generic value-witness calls per op).
    @usableFromInline @inline(__always)
    func append(_ op: __owned Op<Scalar>, value: __owned Tensor<Scalar>, needsGradient: Bool) -> Variable<Scalar> {
        let s = storage
        if s.pointee.count == s.pointee.capacity || s.pointee.isDifferentiating { prepareToGrow() }
        let slot = s.pointee.base + s.pointee.count
        slot.initialize(to: s.pointee.makeRecord(op, value: value, needsGradient: needsGradient))
        s.pointee.count += 1
        return Variable(tape: self, index: s.pointee.count - 1)
    }

    /// Appends the record of a rank-0 value (Note [Rank-0 path]): no tensor, no allocation.
    /// Its output needs a gradient when `needsGradient` (an input does) and gradients are being
    /// recorded; otherwise it is a constant leaf. The caller has checked that anomaly detection is off.
    @usableFromInline @inline(__always)
    func recordScalar(_ op: Op<Scalar>, _ value: Scalar, needsGradient: Bool) -> Variable<Scalar> {
        let s = storage
        if s.pointee.count == s.pointee.capacity || s.pointee.isDifferentiating { prepareToGrow() }
        let needs = needsGradient && s.pointee.isRecordingGradients
        (s.pointee.base + s.pointee.count).initialize(to: Record(op: needs ? op : .leaf, scalar: value, needsGradient: needs))
        s.pointee.count += 1
        return Variable(tape: self, index: s.pointee.count - 1)
    }

    /// The slow path of ``append(_:)``: doubles the buffer, or stops when a VJP tries to record
    /// on the tape it is being run from (Note [Tape storage]).
    @usableFromInline @inline(never)
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    func prepareToGrow() {
        if storage.pointee.isDifferentiating {
            if let (name, site) = storage.pointee.runningCustomVJP {
                ShapeError.fail("custom(\(name))", shapes: [], detail: """
                    its VJP recorded an operation on the tape being differentiated (a tensor VJP \
                    must work on plain tensors; for a VJP of variables use `differentiableVJP:`)
                    """, file: site.file, line: site.line)
            }
            ShapeError.fail("record", shapes: [], detail: """
                an operation was recorded on a tape during its own reverse pass (a custom VJP \
                must work on plain tensors, or record on another tape)
                """, file: #fileID, line: #line)
        }
        if storage.pointee.count == storage.pointee.capacity { storage.pointee.grow() }
    }

    /// Appends an operation's record. Its output needs a gradient when any input does (and
    /// gradients are being recorded); otherwise it is stored as a constant leaf, keeping no
    /// saved values for a VJP that will never run.
    /// `file` and `line` are the caller's, kept while anomalies are detected (Note [Anomaly
    /// detection]); empty for ops called through an operator or recorded by a rule.
    @usableFromInline @inline(__always)
    func record(_ op: Op<Scalar>, value: Tensor<Scalar>, needsGradient: Bool,
                file: StaticString = "", line: UInt = 0) -> Variable<Scalar> {
        if storage.pointee.anomalyDetection != .off { checkForward(op, value, file: file, line: line, isVariable: false) }
        if needsGradient && isRecordingGradients {
            return append(op, value: value, needsGradient: true)
        }
        return append(.leaf, value: value, needsGradient: false)
    }
}

/// The tape's header and record buffer (Note [Tape storage]).
@usableFromInline
struct TapeStorage<Scalar: TensorScalar> {
    @usableFromInline var base: UnsafeMutablePointer<Record<Scalar>>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline var isRecordingGradients = true
    @usableFromInline var isDifferentiating = false
    @usableFromInline var anomalyDetection = AnomalyDetection.off
    /// The values of rank ≥ 1, in recording order (a record holds its index; only appended), in a
    /// buffer grown by `realloc` like the records' (a Swift array's growth runs the standard
    /// library's unspecialised allocation, Note [Small storage]: ≈ 650 instructions a time).
    @usableFromInline var tensors: UnsafeMutablePointer<Tensor<Scalar>>
    @usableFromInline var tensorCount = 0
    @usableFromInline var tensorCapacity = 8
    var firstAnomaly: AnomalyReport? = nil
    /// The callers' sites of the records made while anomalies were detected.
    var sites: [Int: RecordSite] = [:]
    /// The upstream of the VJP being run, kept only while anomalies are detected.
    var anomalyUpstream: Tensor<Scalar>? = nil
    /// The custom operation whose VJP is running, and where it was defined (for the error a
    /// record attempted from it gets).
    var runningCustomVJP: (name: String, site: (file: StaticString, line: UInt))? = nil

    @inline(__always)
    init(capacity: Int) {
        self.capacity = capacity
        base = TapeStorage.reallocate(nil, capacity: capacity)
        tensors = TapeStorage.reallocate(nil, count: tensorCapacity, of: Tensor<Scalar>.self)
    }

    /// The value of record `i` as a tensor (a rank-0 one is boxed afresh).
    @inlinable func value(at i: Int) -> Tensor<Scalar> {
        let r = base + i
        return r.pointee.isRank0 ? Tensor(r.pointee.scalar) : tensors[Int(r.pointee.tensorIndex)]
    }

    /// The shape of record `i`'s value (no tensor made for a rank-0 value).
    @inlinable func shape(at i: Int) -> [Int] {
        let r = base + i
        return r.pointee.isRank0 ? [] : tensors[Int(r.pointee.tensorIndex)].shape
    }

    /// The record for `value`: unboxed if it is rank 0, else with the value put in the tensor table.
    @inlinable @inline(__always) mutating func makeRecord(_ op: __owned Op<Scalar>, value: __owned Tensor<Scalar>, needsGradient: Bool) -> Record<Scalar> {
        if value.rank == 0 { return Record(op: op, scalar: value.scalar, needsGradient: needsGradient) }
        if tensorCount == tensorCapacity { growTensors() }
        (tensors + tensorCount).initialize(to: value)
        tensorCount += 1
        return Record(op: op, tensorIndex: Int32(tensorCount - 1), needsGradient: needsGradient)
    }

    /// Doubles the tensor table (a bitwise move by `realloc`, as the records').
    @usableFromInline @inline(never)
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    mutating func growTensors() {
        precondition(tensorCapacity < Int(Int32.max), "Tape: more than 2³¹ − 1 values of rank ≥ 1")
        tensorCapacity = Swift.min(tensorCapacity * 2, Int(Int32.max))
        tensors = TapeStorage.reallocate(tensors, count: tensorCapacity, of: Tensor<Scalar>.self)
    }

    /// `realloc` of a buffer of `count` values (bitwise movable, as every Swift value).
    @inline(__always)
    static func reallocate<T>(_ old: UnsafeMutablePointer<T>?, count: Int, of _: T.Type) -> UnsafeMutablePointer<T> {
        let bytes = count * MemoryLayout<T>.stride
        guard let raw = realloc(old.map(UnsafeMutableRawPointer.init), bytes) else {
            fatalError("Tape: out of memory for \(count) values (\(bytes) bytes)")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Note [Record buffer]: a record is small (40 bytes for Double: the op, a flag, a rank-0
    /// value or the index of a tensor), and the buffer is grown with `realloc`, not allocate-copy-free. Swift
    /// values are bitwise movable, so moving the records by `realloc` is a valid move; and a
    /// large buffer is an `mmap`ped block that glibc grows with `mremap`, so growing neither
    /// copies the records nor touches fresh pages for the old part. On this machine a page
    /// touched for the first time costs about 2 µs (the kernel zeroes it), so doubling by
    /// allocate-and-copy, which touches twice the final size afresh, had cost more than recording
    /// (the 10⁴-op chain's forward: 130 ns/op against 30 with the memory kept mapped).
    @inline(__always)
    static func reallocate(_ old: UnsafeMutablePointer<Record<Scalar>>?, capacity: Int) -> UnsafeMutablePointer<Record<Scalar>> {
        reallocate(old, count: capacity, of: Record<Scalar>.self)
    }

    /// Doubles the capacity, moving the records in place where the allocator can (Note [Record buffer]).
    @usableFromInline @inline(never)
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    mutating func grow() {
        let newCapacity = Swift.max(16, capacity * 2)
        base = TapeStorage.reallocate(base, capacity: newCapacity)
        capacity = newCapacity
    }

    /// Destroys every record and frees the buffer, iteratively (no recursion however long).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    mutating func release() {
        // One record at a time: `deinitialize(count:)` goes through the runtime's generic
        // `swift_arrayDestroy`, a value-witness call per record. Only the op can hold a reference
        // (the values are in `tensors`, released below), and the ops of the element-wise
        // families hold none: those records have nothing to destroy at all.
        for i in 0..<count {
            let record = base + i
            switch record.pointee.op {
            case .leaf, .unary, .scalar, .binary: continue
            default: record.deinitialize(count: 1)
            }
        }
        free(base)
        for k in 0..<tensorCount { (tensors + k).deinitialize(count: 1) }
        free(tensors)
        count = 0
        capacity = 0
        tensorCount = 0
        tensorCapacity = 0
    }
}

/// One entry of the tape: the operation (with its inputs' indices and saved values), whether an
/// adjoint can flow through it, and its output value.
///
/// A rank-0 value is held unboxed, in `scalar` (Note [Rank-0 path] in ScalarPath.swift): recording
/// it allocates nothing. A value of rank ≥ 1 sits in the tape's tensor table at `tensorIndex`, so
/// a record is 40 bytes (Double), not the 56 it took with a tensor field beside the scalar
/// (Note [Record buffer]). ``TapeStorage/value(at:)`` gives the tensor either way.
@usableFromInline
struct Record<Scalar: TensorScalar> {
    @usableFromInline let op: Op<Scalar>
    // (The flag and the index sit in the op's tail padding.)
    @usableFromInline let needsGradient: Bool
    /// The position of a rank ≥ 1 value in ``TapeStorage/tensors``; −1 for a rank-0 value.
    @usableFromInline let tensorIndex: Int32
    /// The rank-0 value (0 when the value is in the tensor table).
    @usableFromInline let scalar: Scalar

    /// A record of a rank-0 value.
    @inlinable init(op: Op<Scalar>, scalar: Scalar, needsGradient: Bool) {
        self.op = op
        self.needsGradient = needsGradient
        self.tensorIndex = -1
        self.scalar = scalar
    }

    /// A record of a value of rank ≥ 1, held in the tensor table at `tensorIndex`.
    @inlinable init(op: Op<Scalar>, tensorIndex: Int32, needsGradient: Bool) {
        self.op = op
        self.needsGradient = needsGradient
        self.tensorIndex = tensorIndex
        self.scalar = 0
    }

    /// Whether the value is rank 0 (held unboxed in `scalar`).
    @inlinable var isRank0: Bool { tensorIndex < 0 }
}
