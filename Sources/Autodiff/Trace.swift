import Tensors

// The chain rule as it ran: each record's adjoint, in reverse order, with the rule that made
// it, its value, and — for the texts' networks — the textbook's δ notation.

/// How ``Tape/trace(of:naming:notation:seed:)`` names the adjoints of named variables.
public enum TraceNotation: Sendable, Equatable {
    /// ∂output/∂v for every record, with each consumer's rule in op form (any graph).
    case generic
    /// The cross-entropy text: variables named `z(l)` show δ(l) = m·∂J/∂z(l) (pass m = 1 for the
    /// un-normalised cost m·J), `Θ(l)` show D(l) = ∂J/∂Θ(l), with the text's equations.
    case crossEntropy(examples: Int)
    /// The squared-error text: variables whose names start with `z` show ∂E/∂z = −δ (the last
    /// recorded one is the output layer), those starting with `w` show ∂E/∂w = −δⱼ·yᵢ and with
    /// `b` show ∂E/∂b = −δ.
    case squaredError
}

/// One record's adjoint in a trace.
public struct TraceEntry<Scalar: TensorScalar>: Sendable {
    /// The record's index on the tape.
    public let record: Int
    /// The adjoint's name: `δ(2)`, `D(1)`, `∂E/∂zₖ`, or `∂/∂#7 sigmoid` for an unnamed record.
    public let label: String
    /// The textbook's equation for it, when the notation knows one.
    public let textbook: String?
    /// Each consumer's rule that contributed, in op form: `sigmoid #8: x̄ = ȳ ⊙ y ⊙ (1 − y)`.
    public let contributions: [String]
    /// The value in the notation's scale (δ(l) = m·∂J/∂z(l), ∂E/∂z, …).
    public let value: Tensor<Scalar>
}

extension Tape {
    /// The adjoints of every record `output` depends on (trainable leaves and intermediates),
    /// from the output down: label, textbook equation, the consumers' rules, value.
    /// - Precondition: `output` has one element, or `seed` is given.
    public func traceEntries(
        of output: Variable<Scalar>, naming names: [String: Variable<Scalar>] = [:], notation: TraceNotation = .generic,
        seed: Tensor<Scalar>? = nil, file: StaticString = #fileID, line: UInt = #line
    ) -> [TraceEntry<Scalar>] {
        let top = output.index
        var needed = [Bool](repeating: false, count: top + 1)
        needed[top] = true
        var consumers = [[(record: Int, input: Int)]](repeating: [], count: top + 1)
        for i in stride(from: top, through: 0, by: -1) where needed[i] {
            for (k, j) in records[i].op.inputs.enumerated() {
                needed[j] = true
                consumers[j].append((i, k))
            }
        }
        let indices = (0...top).filter { needed[$0] && records[$0].needsGradient }
        let adjoints = gradient(of: output, wrt: indices.map { Variable(tape: self, index: $0) }, seed: seed, file: file, line: line)
        var nameOf = [Int: String]()
        for (name, v) in names.sorted(by: { $0.key < $1.key }) where v.tape === self { nameOf[v.index] = name }
        let lastZ = nameOf.filter { $0.value.hasPrefix("z") }.keys.max()
        let lastLayer = nameOf.values.compactMap { Self.layer(of: $0, prefix: "z") }.max()
        return Swift.zip(indices, adjoints).reversed().map { i, adjoint in
            let name = nameOf[i]
            let rules = consumers[i].reversed().map { c in
                "\(records[c.record].op.name) #\(c.record): \(Self.formula(records[c.record].op, input: c.input))"
            }
            var kind = records[i].op.name
            if case .leaf = records[i].op { kind = "variable" }
            var label = name.map { "∂/∂\($0)" } ?? "∂/∂#\(i) \(kind)"
            var textbook: String? = nil
            var value = adjoint
            switch (notation, name) {
            case (.crossEntropy(let m), let n?):
                if let l = Self.layer(of: n, prefix: "z") {
                    label = "δ(\(l))"
                    textbook = l == lastLayer ? "δ(\(l)) = a(\(l)) − y" : "δ(\(l)) = (Θ(\(l)))ᵀδ(\(l + 1)) ⊙ a(\(l)) ⊙ (1 − a(\(l)))"
                    value = adjoint * Scalar(m)
                } else if let l = Self.layer(of: n, prefix: "Θ") {
                    label = "D(\(l))"
                    textbook = "D(\(l)) = (1/m)(Δ(\(l)) + λΘ(\(l))), Δ(\(l)) = Σ δ(\(l + 1))(a(\(l)))ᵀ; bias column: (1/m)Δ(\(l))"
                }
            case (.squaredError, let n?):
                if n.hasPrefix("z") {
                    label = "∂E/∂\(n)"
                    textbook = i == lastZ ? "∂E/∂\(n) = −(t − y)·f′(\(n)) = −δ" : "∂E/∂\(n) = −f′(\(n))·Σₖ δₖ·w = −δ"
                } else if n.hasPrefix("w") {
                    label = "∂E/∂\(n)"
                    textbook = "∂E/∂\(n) = −δⱼ·yᵢ (so Δw = η·δⱼ·yᵢ)"
                } else if n.hasPrefix("b") {
                    label = "∂E/∂\(n)"
                    textbook = "∂E/∂\(n) = −δ (so Δb = η·δ)"
                }
            default: break
            }
            return TraceEntry(record: i, label: label, textbook: textbook, contributions: rules, value: value)
        }
    }

    /// The trace as text, one block per adjoint (see ``traceEntries(of:naming:notation:seed:file:line:)``).
    ///
    ///     δ(3) = a(3) − y
    ///         ← sigmoidCrossEntropy #14: z̄ = J̄·(σ(z) − y)/m
    ///         = [[0.41, −0.59, …]]
    public func trace(
        of output: Variable<Scalar>, naming names: [String: Variable<Scalar>] = [:], notation: TraceNotation = .generic,
        seed: Tensor<Scalar>? = nil, file: StaticString = #fileID, line: UInt = #line
    ) -> String {
        traceEntries(of: output, naming: names, notation: notation, seed: seed, file: file, line: line).map { e in
            let head = e.textbook ?? e.label
            let text = e.value.count <= 12 ? "\(e.value)" : "\(e.value.shape), first \(Array(e.value.scalars.prefix(6)))…"
            let value = text.split(separator: "\n").map { $0.trimmingPrefix(" ") }.joined(separator: " ")
            return ([head] + e.contributions.map { "    ← \($0)" } + ["    = \(value)"]).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// l of a name `prefix(l)`, e.g. 3 for `z(3)`.
    static func layer(of name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix + "("), name.hasSuffix(")") else { return nil }
        return Int(name.dropFirst(prefix.count + 1).dropLast())
    }

    /// An op's rule for the adjoint of its input `k`, in op form (ȳ: the upstream, y: the output).
    static func formula(_ op: Op<Scalar>, input k: Int) -> String {
        switch op {
        case .leaf: return "—"
        case .unary(let f, _): return f.formula
        case .scalar(let f, _, let c): return f.formula(c)
        case .binary(let f, _, _):
            let side = k == 0 ? "ā" : "b̄", other = k == 0 ? "b" : "a"
            switch f {
            case .add, .addBias: return "\(side) = Σ_broadcast ȳ"
            case .subtract: return k == 0 ? "ā = Σ_broadcast ȳ" : "b̄ = −Σ_broadcast ȳ"
            case .multiply, .maskedMultiply: return "\(side) = Σ_broadcast(ȳ ⊙ \(other))"
            case .divide, .maskedDivide: return k == 0 ? "ā = Σ_broadcast(ȳ / b)" : "b̄ = −Σ_broadcast(ȳ ⊙ y / b)"
            case .maximum, .minimum: return "\(side) = Σ_broadcast(ȳ where \(k == 0 ? "a" : "b") won)"
            default: return "the rule of \(f.rawValue) (Docs/Operators.md)"
            }
        case .matmul(_, _, let form):
            let a = form.transposingA ? "Aᵀ" : "A", b = form.transposingB ? "Bᵀ" : "B"
            return k == 0 ? "Ā from C̄ = \(a)·\(b): Ā = C̄·Bᵀ" : "B̄ from C̄ = \(a)·\(b): B̄ = Aᵀ·C̄"
        case .reduction(let f, _, _, _): return f == .sum ? "x̄ = broadcast(ȳ)" : "x̄ = broadcast(ȳ) / n"
        case .axis(let f, _, _): return f == .softmax ? "x̄ = y ⊙ (ȳ − Σ ȳ ⊙ y)" : "x̄ = ȳ − eʸ ⊙ Σ ȳ"
        case .shape(let f, _, _): return f.formula
        case .argmax: return "x̄ = ȳ at the arg-max, 0 elsewhere"
        case .select: return k == 0 ? "ā = ȳ where c, 0 elsewhere" : "b̄ = ȳ where not c, 0 elsewhere"
        case .loss(let f, _, _, _):
            switch f {
            case .sigmoidCrossEntropy: return "z̄ = J̄·(σ(z) − y)/m"
            case .softmaxCrossEntropy: return "z̄ = J̄·(softmax(z) − y)/m"
            case .halfSumOfSquares: return "ȳ = Ē·(y − t)"
            case .meanSquaredError: return "ȳ = L̄·2(y − t)/N"
            default: return "the rule of \(f.rawValue) (Docs/Operators.md)"
            }
        case .convolution(let f, _, _, _): return f.formula(input: k)
        case .pooling(let f, _, _): return f.formula
        case .nary(let f, _):
            if case .concatenate = f { return "x̄\(k) = the slice of ȳ where x\(k) sits" }
            return "the VJP of \(f.name)"
        }
    }
}
