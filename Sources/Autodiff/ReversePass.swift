import Tensors

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
        if output.tape !== self || variables.contains(where: { $0.tape !== self }) {
            ShapeError.fail("gradient", shapes: [output.shape], detail: "a variable belongs to a different tape",
                            file: file, line: line)
        }
        let seedValue: Tensor<Scalar>
        if let seed {
            if seed.shape != output.shape {
                ShapeError.fail("gradient", shapes: [output.shape, seed.shape],
                                detail: "the seed must have the output's shape", file: file, line: line)
            }
            seedValue = seed
        } else {
            if output.value.count != 1 {
                ShapeError.fail("gradient", shapes: [output.shape],
                                detail: "the output is not a scalar: pass `seed:` (the cotangent ō) for a vector–Jacobian product",
                                file: file, line: line)
            }
            seedValue = Tensor(ones: output.shape)
        }
        let top = output.index
        var wanted = [Bool](repeating: false, count: top + 1)
        var lowest = top
        for v in variables where v.index <= top {
            wanted[v.index] = true
            lowest = Swift.min(lowest, v.index)
        }
        var adjoints = [Tensor<Scalar>?](repeating: nil, count: top + 1)
        adjoints[top] = seedValue
        // Note [Borrowed records]: the loop reads records through the tape's buffer pointer
        // (Note [Tape storage]) instead of copying them out, and owns each upstream adjoint it
        // takes out of `adjoints`: an element-wise VJP then overwrites that buffer in place
        // (Note [Owned upstream]). The pointer stays valid because nothing may be recorded on
        // this tape while `isDifferentiating` is set: a custom VJP that tried is stopped.
        let records = self.records
        let wasDifferentiating = storage.pointee.isDifferentiating
        storage.pointee.isDifferentiating = true
        defer { storage.pointee.isDifferentiating = wasDifferentiating }
        adjoints.withUnsafeMutableBufferPointer { adjoints in
            var i = top
            while i >= lowest {
                defer { i -= 1 }
                guard records[i].needsGradient, adjoints[i] != nil else { continue }
                // A requested adjoint stays in place (the upstream is then shared and copied
                // on write); any other is moved out, so its buffer is uniquely owned here.
                var upstream = wanted[i] ? adjoints[i]! : adjoints[i].take()!
                backpropagate(records, i, upstream: &upstream, into: adjoints)
            }
        }
        return variables.map { v in
            guard v.index <= top, records[v.index].needsGradient, let a = adjoints[v.index] else {
                return Tensor(zeros: v.shape)
            }
            return a
        }
    }

    /// Adds `contribution` to the adjoint of record `j`, in place when possible, after checking
    /// that its shape is the input's (a wrong shape is a bug in a VJP, reported with its op).
    @inline(__always)
    func accumulate(_ contribution: Tensor<Scalar>, into j: Int, from op: Op<Scalar>,
                    _ records: UnsafeBufferPointer<Record<Scalar>>, _ adjoints: UnsafeMutableBufferPointer<Tensor<Scalar>?>) {
        guard records[j].needsGradient else { return }
        if contribution.shape != records[j].value.shape {
            var place: (file: StaticString, line: UInt) = (#fileID, #line)
            if case .custom(_, let custom) = op { place = custom.definedAt }
            ShapeError.fail(op.name, shapes: [records[j].value.shape, contribution.shape],
                            detail: "VJP returned an adjoint whose shape is not its input's", file: place.file, line: place.line)
        }
        if adjoints[j] == nil {
            adjoints[j] = contribution
        } else {
            adjoints[j]!.addInPlace(contribution)
        }
    }

    /// Applies one record's VJP and accumulates into its inputs' adjoints. The whole derivative
    /// inventory: each line calls the VJP written beside its forward in `Ops/`.
    ///
    /// Note [Owned upstream]: `g` is the loop's own copy of the upstream adjoint. Element-wise
    /// VJPs (x̄ = ȳ ⊙ f′) overwrite it in place — `g.zipInPlace(y) { … }` evaluates exactly the
    /// expression the out-of-place `g.zip(y) { … }` would, so the bits are the same — and pass it
    /// on; when nobody else holds its buffer that costs no allocation at all.
    func backpropagate(_ records: UnsafeBufferPointer<Record<Scalar>>, _ i: Int, upstream g: inout Tensor<Scalar>,
                       into adjoints: UnsafeMutableBufferPointer<Tensor<Scalar>?>) {
        let y = records[i].value
        let op = records[i].op
        @inline(__always) func x(_ j: Int) -> Tensor<Scalar> { records[j].value }
        @inline(__always) func needs(_ j: Int) -> Bool { records[j].needsGradient }
        @inline(__always) func add(_ t: Tensor<Scalar>, _ j: Int) { accumulate(t, into: j, from: op, records, adjoints) }
        switch op {
        case .leaf: break
        case .add(let a, let b):
            if needs(a) { add(g.sum(toShape: x(a).shape), a) }
            if needs(b) { add(g.sum(toShape: x(b).shape), b) }
        case .subtract(let a, let b):
            if needs(a) { add(g.sum(toShape: x(a).shape), a) }
            if needs(b) { add((-g).sum(toShape: x(b).shape), b) }
        case .multiply(let a, let b):
            if needs(a) { add(VJP.multiply(g, other: x(b), toShape: x(a).shape), a) }
            if needs(b) { add(VJP.multiply(g, other: x(a), toShape: x(b).shape), b) }
        case .divide(let a, let b):
            if needs(a) { add(VJP.divideNumerator(g, denominator: x(b), toShape: x(a).shape), a) }
            if needs(b) { add(VJP.divideDenominator(g, output: y, denominator: x(b)), b) }
        case .negate(let a): g.mapInPlace { -$0 }; add(g, a)
        case .addScalar(let a): add(g, a)
        case .multiplyScalar(let a, let c): g.mapInPlace { $0 * c }; add(g, a)
        case .divideByScalar(let a, let c): g.mapInPlace { $0 / c }; add(g, a)
        case .scalarDivide(_, let a): VJP.scalarDivide(&g, output: y, x: x(a)); add(g, a)
        case .matmul(let a, let b):
            if needs(a) { add(matmul(g, x(b), transposingB: true), a) }
            if needs(b) { add(matmul(x(a), g, transposingA: true), b) }
        case .addBias(let a, let b):
            if needs(a) { add(g, a) }
            if needs(b) { add(g.sum(toShape: x(b).shape), b) }
        case .transpose(let a, let p): add(VJP.transpose(g, permutation: p), a)
        case .reshape(let a): add(g.reshaped(to: x(a).shape), a)
        case .exp(let a): VJP.exp(&g, output: y); add(g, a)
        case .log(let a): VJP.log(&g, x: x(a)); add(g, a)
        case .sigmoid(let a): VJP.sigmoid(&g, output: y); add(g, a)
        case .tanh(let a): VJP.tanh(&g, output: y); add(g, a)
        case .relu(let a): VJP.relu(&g, x: x(a)); add(g, a)
        case .abs(let a): VJP.abs(&g, x: x(a)); add(g, a)
        case .sin(let a): VJP.sin(&g, x: x(a)); add(g, a)
        case .cos(let a): VJP.cos(&g, x: x(a)); add(g, a)
        case .square(let a): VJP.square(&g, x: x(a)); add(g, a)
        case .sqrt(let a): VJP.sqrt(&g, output: y); add(g, a)
        case .pow(let a, let p): VJP.pow(&g, x: x(a), exponent: p); add(g, a)
        case .sum(let a, let axes, let keep): add(VJP.sum(g, inputShape: x(a).shape, axes: axes, keepingDimensions: keep), a)
        case .mean(let a, let axes, let keep): add(VJP.mean(g, inputShape: x(a).shape, axes: axes, keepingDimensions: keep), a)
        case .max(let a, let axis, let keep, let idx):
            add(VJP.max(g, inputShape: x(a).shape, axis: axis, keepingDimensions: keep, indices: idx), a)
        case .softmax(let a, let axis): add(VJP.softmax(g, output: y, axis: axis), a)
        case .logSoftmax(let a, let axis): add(VJP.logSoftmax(g, output: y, axis: axis), a)
        case .concatenate(let xs, let axis):
            var start = 0
            for j in xs {
                let width = x(j).shape[axis]
                if needs(j) { add(g.slice(start..<(start + width), alongAxis: axis), j) }
                start += width
            }
        case .select(let c, let a, let b):
            if needs(a) { add(VJP.select(g, condition: c, taken: true, toShape: x(a).shape), a) }
            if needs(b) { add(VJP.select(g, condition: c, taken: false, toShape: x(b).shape), b) }
        case .sigmoidCrossEntropy(let z, let labels, let m):
            add(VJP.sigmoidCrossEntropy(g, logits: x(z), labels: labels, examples: m), z)
        case .softmaxCrossEntropy(let z, let labels, let p, let m):
            add(VJP.softmaxCrossEntropy(g, probabilities: p, labels: labels, examples: m), z)
        case .halfSumOfSquares(let a, let t): add(VJP.halfSumOfSquares(g, predictions: x(a), targets: t), a)
        case .meanSquaredError(let a, let t): add(VJP.meanSquaredError(g, predictions: x(a), targets: t), a)
        case .custom(let xs, let custom):
            let grads = custom.vjp(xs.map(x), y, g)
            if grads.count != xs.count {
                ShapeError.fail(op.name, shapes: xs.map { x($0).shape },
                                detail: "VJP returned \(grads.count) adjoints for \(xs.count) inputs",
                                file: custom.definedAt.file, line: custom.definedAt.line)
            }
            for (j, t) in Swift.zip(xs, grads) where needs(j) { add(t, j) }
        }
    }
}

/// The vector–Jacobian products, one static function per operation, each written in `Ops/`
/// beside its forward.
enum VJP {}
