import Tensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

extension Tape {
    /// The adjoints ∂output/∂v of the requested variables — trainable leaves, constants or
    /// intermediates alike — by one backwards pass over the tape.
    ///
    ///     ō = seed (1 for a one-element output);   for i = output … 0:  x̄ⱼ += VJPᵢ(ōᵢ) for each input j
    ///
    /// The tape is not consumed: calling `gradient` again gives the same bits. Records with a
    /// `nil` (zero) adjoint and records that depend only on constants are skipped; an adjoint
    /// is released as soon as its VJP has run, unless it was requested. A constant, or a
    /// variable the output does not depend on, gets a zero tensor.
    ///
    /// - Parameters:
    ///   - output: the value to differentiate.
    ///   - variables: the variables whose adjoints to return, in order.
    ///   - seed: the cotangent ō (shape of `output`); required when `output` has more than one
    ///     element — the result is then the vector–Jacobian product ōᵀ·J.
    /// - Returns: one tensor per requested variable, of that variable's shape.
    /// - Complexity: O(tape length) records visited, each VJP once; no recursion.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gradient(
        of output: Variable<Scalar>, wrt variables: [Variable<Scalar>], seed: Tensor<Scalar>? = nil,
        file: StaticString = #fileID, line: UInt = #line
    ) -> [Tensor<Scalar>] {
        let seedValue = checkedSeed(output, variables, seed, file: file, line: line)
        // Note [Borrowed records]: a first-order pass reads records through the tape's buffer
        // pointer instead of copying them out. The pointer stays valid because nothing may be
        // recorded on this tape while `isDifferentiating` is set: a custom VJP that tried is
        // stopped (a pass that records, `creatingGraph: true`, does not set it).
        let wasDifferentiating = storage.pointee.isDifferentiating
        storage.pointee.isDifferentiating = true
        defer { storage.pointee.isDifferentiating = wasDifferentiating }
        let adjoints = reverse(from: output.index, seed: seedValue, wanted: variables.map(\.index))
        return variables.indices.map { k in adjoints[k] ?? Tensor(zeros: variables[k].shape) }
    }

    /// The adjoints as variables on this tape. With `creatingGraph: true` the backward pass is
    /// itself recorded — the same rules run on variables (Note [One rule, two algebras]) — so
    /// the adjoints can be differentiated again, to any order (PyTorch's `create_graph=True`):
    ///
    ///     let gW = tape.gradient(of: loss, wrt: [W], creatingGraph: true)[0]
    ///     let penalty = (gW * gW).sum()
    ///     let ggW = tape.gradient(of: penalty, wrt: [W])[0]      // ∂‖∂L/∂W‖²/∂W
    ///
    /// With `false` the adjoints are the first-order tensors, recorded as constants.
    /// - Parameter seed: the cotangent ō as a tensor (a constant) — see the overload taking a
    ///   variable seed to differentiate with respect to the cotangent itself.
    /// - Complexity: O(tape length) records visited; the recorded backward pass adds a few
    ///   records per op that an adjoint flows through.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gradient(
        of output: Variable<Scalar>, wrt variables: [Variable<Scalar>], seed: Tensor<Scalar>? = nil,
        creatingGraph: Bool, file: StaticString = #fileID, line: UInt = #line
    ) -> [Variable<Scalar>] {
        guard creatingGraph else {
            return gradient(of: output, wrt: variables, seed: seed, file: file, line: line).map { constant($0) }
        }
        let seedValue = checkedSeed(output, variables, seed, file: file, line: line)
        return gradient(of: output, wrt: variables, seed: constant(seedValue), file: file, line: line)
    }

    /// The recorded vector–Jacobian product ōᵀ·J for a cotangent ō that is itself a variable:
    /// the result is linear in ō and differentiable with respect to it and to everything the
    /// output depends on (the construction of ``valueWithDifferential(at:along:of:)``).
    /// - Precondition: `seed` has the output's shape and lives on this tape.
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func gradient(
        of output: Variable<Scalar>, wrt variables: [Variable<Scalar>], seed: Variable<Scalar>,
        file: StaticString = #fileID, line: UInt = #line
    ) -> [Variable<Scalar>] {
        if seed.tape !== self {
            ShapeError.fail("gradient", shapes: [output.shape, seed.shape], detail: "the seed is a variable of another tape",
                            file: file, line: line)
        }
        _ = checkedSeed(output, variables, seed.value, file: file, line: line)  // tapes and the seed's shape
        let adjoints = reverse(from: output.index, seed: seed, wanted: variables.map(\.index))
        return variables.indices.map { k in adjoints[k] ?? constant(Tensor(zeros: variables[k].shape)) }
    }

    /// Checks the tapes and the seed's shape; the seed, or ones for a one-element output.
    func checkedSeed(_ output: Variable<Scalar>, _ variables: [Variable<Scalar>], _ seed: Tensor<Scalar>?,
                     file: StaticString, line: UInt) -> Tensor<Scalar> {
        if output.tape !== self || variables.contains(where: { $0.tape !== self }) {
            ShapeError.fail("gradient", shapes: [output.shape], detail: "a variable belongs to a different tape",
                            file: file, line: line)
        }
        if let seed {
            if seed.shape != output.shape {
                ShapeError.fail("gradient", shapes: [output.shape, seed.shape],
                                detail: "the seed must have the output's shape", file: file, line: line)
            }
            return seed
        }
        if output.value.count != 1 {
            ShapeError.fail("gradient", shapes: [output.shape],
                            detail: "the output is not a scalar: pass `seed:` (the cotangent ō) for a vector–Jacobian product",
                            file: file, line: line)
        }
        return Tensor(ones: output.shape)
    }

    /// The reverse pass in either algebra: one backwards loop from `top`, applying each
    /// record's rule to its upstream adjoint. Returns the adjoints (nil: zero) of the records in
    /// `wanted`, in order; every other adjoint is released as soon as its rule has run.
    ///
    /// Note [Owned upstream]: each upstream adjoint is moved out of `adjoints` (unless it was
    /// requested), so an eager tensor rule may overwrite its buffer — `zipInPlace` evaluates
    /// exactly the closure the out-of-place `zip` would, so the bits are the same — and pass it
    /// on; when nobody else holds the buffer that costs no allocation at all.
    ///
    /// Records are read through the buffer pointer afresh at each step: a recording pass (A =
    /// Variable) appends to the tape, which may move the buffer; records past `top` are never
    /// visited, so the loop is unaffected by what it records.
    @_specialize(where Scalar == Float, A == Tensor<Float>) @_specialize(where Scalar == Double, A == Tensor<Double>)
    @_specialize(where Scalar == Float, A == Variable<Float>) @_specialize(where Scalar == Double, A == Variable<Double>)
    func reverse<A: DerivativeAlgebra>(from top: Int, seed: A, wanted: [Int]) -> [A?] where A.Scalar == Scalar {
        // Note [Adjoint slots]: the slots are zero-filled memory from `calloc`, and an empty slot
        // is all zero bits (nil, checked once, or a 0 flag byte): pages of slots nothing writes
        // — the tensor slots of a scalar program, the unboxed ones of a tensor program — are never
        // touched, so they cost neither a page fault nor an initialising pass. The tensor slots
        // that were written (a flag bit) are destroyed one by one: an array of them would be
        // destroyed by the runtime's generic `swift_arrayDestroy`, a value-witness call per
        // record even for an empty slot, and reading every slot would touch every page.
        let count = top + 1
        let adjoints = UnsafeMutableBufferPointer<A?>(start: Tape.zeroed(count, of: A?.self), count: count)
        if !Tape.isAllZero(A?.none) { adjoints.initialize(repeating: nil) }
        // Note [Rank-0 path]: the first-order pass holds the adjoints of rank-0 records unboxed.
        let unboxing = A.self == Tensor<Scalar>.self
        let slots = UnboxedAdjoints<Scalar>(count: count, values: unboxing)
        defer {
            for k in 0..<count where slots.flags[k] & UnboxedAdjoints<Scalar>.written != 0 && adjoints[k] != nil {
                (adjoints.baseAddress! + k).deinitialize(count: 1)
            }
            free(adjoints.baseAddress)
            slots.release()
        }
        var lowest = top
        for j in wanted where j <= top {
            slots.flags[j] |= UnboxedAdjoints<Scalar>.wanted
            lowest = Swift.min(lowest, j)
        }
        if unboxing && storage.pointee.base[top].isRank0 {
            slots.add(seed.primal.scalar, to: top)
        } else {
            adjoints[top] = seed
            slots.flags[top] |= UnboxedAdjoints<Scalar>.written
        }
        var i = top
        while i >= lowest {
            defer { i -= 1 }
            let record = storage.pointee.base + i
            guard record.pointee.needsGradient else { continue }
            var upstream: A
            if unboxing && record.pointee.isRank0 {
                guard let g = slots[i] else { continue }
                if storage.pointee.anomalyDetection == .off && backpropagateUnboxed(i, upstream: g, into: slots) { continue }
                upstream = Tensor(g) as! A
            } else {
                guard slots.flags[i] & UnboxedAdjoints<Scalar>.written != 0, adjoints[i] != nil else { continue }
                upstream = slots.flags[i] & UnboxedAdjoints<Scalar>.wanted != 0 ? adjoints[i]! : adjoints[i].take()!
            }
            if storage.pointee.anomalyDetection != .off { storage.pointee.anomalyUpstream = upstream as? Tensor<Scalar> }
            backpropagate(i, upstream: &upstream, into: adjoints, slots, unboxing: unboxing)
        }
        storage.pointee.anomalyUpstream = nil
        // Only the seed skips `accumulate`: the output's own adjoint is zero if it needs none.
        let topNeeds = storage.pointee.base[top].needsGradient
        return wanted.map { j in
            guard j <= top, j != top || topNeeds else { return nil }
            if unboxing && storage.pointee.base[j].isRank0 { return slots[j].map { Tensor($0) as! A } }
            return adjoints[j]
        }
    }

    /// `count` zero-filled values' worth of memory from `calloc` (Note [Adjoint slots]); free it with `free`.
    @inline(__always)
    static func zeroed<T>(_ count: Int, of _: T.Type) -> UnsafeMutablePointer<T> {
        guard let raw = calloc(Swift.max(count, 1), MemoryLayout<T>.stride) else {
            fatalError("reverse pass: out of memory for \(count) adjoints")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Whether a value's bytes are all zero (whether zero-filled memory holds that value).
    @inline(__always)
    static func isAllZero<T>(_ value: T) -> Bool {
        withUnsafeBytes(of: value) { $0.allSatisfy { $0 == 0 } }
    }

    /// Adds `contribution` to the adjoint of record `j`, after checking that its shape is the
    /// input's (a wrong shape is a bug in a VJP, reported with its op).
    @inline(__always)
    func accumulate<A: DerivativeAlgebra>(_ contribution: consuming A, into j: Int, from op: Op<Scalar>, record i: Int,
                                          _ adjoints: UnsafeMutableBufferPointer<A?>,
                                          _ slots: UnboxedAdjoints<Scalar>, unboxing: Bool) where A.Scalar == Scalar {
        let record = storage.pointee.base + j
        guard record.pointee.needsGradient else { return }
        if contribution.shape != storage.pointee.shape(at: j) {
            var place: (file: StaticString, line: UInt) = (#fileID, #line)
            if case .nary(.custom(let custom), _) = op { place = custom.definedAt }
            ShapeError.fail(op.name, shapes: [storage.pointee.shape(at: j), contribution.shape],
                            detail: "VJP returned an adjoint whose shape is not its input's", file: place.file, line: place.line)
        }
        if storage.pointee.anomalyDetection != .off, let t = (copy contribution) as? Tensor<Scalar> {
            checkBackward(record: i, input: j, t, upstream: storage.pointee.anomalyUpstream)
        }
        if unboxing && record.pointee.isRank0 {  // an unboxed adjoint (Note [Rank-0 path]): the same sum as addInPlace
            slots.add(contribution.primal.scalar, to: j)
            return
        }
        slots.flags[j] |= UnboxedAdjoints<Scalar>.written
        A.accumulate(&adjoints[j], contribution)
    }

    /// Applies record `i`'s rule to its upstream and accumulates into its inputs' adjoints: the
    /// whole derivative inventory, one line per family; each rule is written in `Ops/` beside
    /// its forward.
    @inline(__always)
    func backpropagate<A: DerivativeAlgebra>(_ i: Int, upstream g: inout A,
                                             into adjoints: UnsafeMutableBufferPointer<A?>,
                                             _ slots: UnboxedAdjoints<Scalar>, unboxing: Bool) where A.Scalar == Scalar {
        let op = storage.pointee.base[i].op
        @inline(__always) func x(_ j: Int) -> A { A.operand(j, on: self) }
        @inline(__always) func needs(_ j: Int) -> Bool { storage.pointee.base[j].needsGradient }
        @inline(__always) func add(_ t: consuming A, _ j: Int) { accumulate(t, into: j, from: op, record: i, adjoints, slots, unboxing: unboxing) }
        @inline(__always) func addIfAny(_ t: consuming A?, _ j: Int) { if let t { accumulate(t, into: j, from: op, record: i, adjoints, slots, unboxing: unboxing) } }
        switch op {
        case .leaf: break
        case .unary(let f, let a): add(f.pullback(&g, x: x(a), y: x(i)), a)
        case .scalar(let f, let a, let c): add(f.pullback(&g, x: x(a), y: x(i), c), a)
        case .binary(let f, let a, let b):
            let (ga, gb) = f.pullback(g, x(a), x(b), y: x(i), needs: (needs(a), needs(b)))
            addIfAny(ga, a)
            addIfAny(gb, b)
        case .matmul(let a, let b, let form):
            let (ga, gb) = form.pullback(g, x(a), x(b), needs: (needs(a), needs(b)))
            addIfAny(ga, a)
            addIfAny(gb, b)
        case .reduction(let f, let a, let axes, _): add(f.pullback(g, x: x(a), axes: axes), a)
        case .axis(let f, let a, let axis): add(f.pullback(g, y: x(i), axis: axis), a)
        case .shape(.slice, let a, let p) where storage.pointee.anomalyDetection == .off:
            guard needs(a) else { break }  // Note [Slice adjoints]: added into the region, not padded
            slots.flags[a] |= UnboxedAdjoints<Scalar>.written
            A.accumulateSlice(&adjoints[a], g, lower: p[0], axis: p[2], fullShape: storage.pointee.shape(at: a))
        case .shape(let f, let a, let p): add(f.pullback(g, x: x(a), p), a)
        case .argmax(let f, let a, let p): add(f.pullback(g, p), a)
        case .select(let a, let b, let c):
            let (ga, gb) = Op<Scalar>.selectPullback(g, x(a), x(b), condition: c, needs: (needs(a), needs(b)))
            addIfAny(ga, a)
            addIfAny(gb, b)
        case .loss(let f, let a, let upstream, let p):
            let (gx, gu) = f.pullback(g, x: x(a), upstream: upstream.map(x), p,
                                      needs: (needs(a), upstream.map(needs) ?? false))
            addIfAny(gx, a)
            if let u = upstream { addIfAny(gu, u) }
        case .convolution(let f, let a, let b, let p):
            let (ga, gb) = f.pullback(g, x(a), x(b), p, needs: (needs(a), needs(b)))
            addIfAny(ga, a)
            addIfAny(gb, b)
        case .pooling(let f, let a, let p): add(f.pullback(g, p), a)
        case .nary(let f, let xs):
            // A custom VJP runs the user's code: a record it attempts is reported at its definition.
            let saved = storage.pointee.runningCustomVJP
            if case .custom(let custom) = f { storage.pointee.runningCustomVJP = (custom.name, custom.definedAt) }
            let grads = f.pullback(g, xs.map(x), y: x(i), needs: xs.map(needs))
            storage.pointee.runningCustomVJP = saved
            if grads.count != xs.count, case .custom(let custom) = f {
                ShapeError.fail(op.name, shapes: xs.map { x($0).shape },
                                detail: "VJP returned \(grads.count) adjoints for \(xs.count) inputs",
                                file: custom.definedAt.file, line: custom.definedAt.line)
            }
            for (j, t) in Swift.zip(xs, grads) where needs(j) { addIfAny(t, j) }
        }
    }
}
