import Autodiff
import Tensors

// One time step of the recurrent layers, in PyTorch's layouts and gate orders (`nn.RNNCell`,
// `nn.LSTMCell`, `nn.GRUCell`), composed of the differentiable ops (matmul, addingBias, split,
// sigmoid, tanh, relu, ⊙), so every derivative order comes for free. The sequence layers
// (RecurrentLayers.swift) reuse these cells, one per stacked layer. See Docs/Layers.md.

/// The nonlinearity of an Elman ``RNNCell`` / ``RNN`` (PyTorch's `nonlinearity=`).
public enum RNNNonlinearity: Sendable, Equatable {
    /// h′ = tanh(…) (the default).
    case tanh
    /// h′ = max(…, 0).
    case relu
}

/// The state of an LSTM: the hidden state h and the cell state c.
///
/// For an ``LSTMCell`` both are [B, H]; for an ``LSTM`` both are [layerCount, B, H]
/// (PyTorch's `h_n` and `c_n`).
public struct LSTMState<Scalar: TensorScalar> {
    /// h, the output.
    public var hidden: Variable<Scalar>
    /// c, the memory.
    public var cell: Variable<Scalar>

    /// A state of h and c.
    public init(hidden: Variable<Scalar>, cell: Variable<Scalar>) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// What the three cells share: W_ih [G·H, in], W_hh [G·H, H] and optional b_ih, b_hh [G·H]
/// for G gates, and the two projections.
protocol RecurrentCell<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar
    /// Carried from one step to the next (h, or h and c).
    associatedtype State
    var weightIH: Parameter<Scalar> { get }
    var weightHH: Parameter<Scalar> { get }
    var biasIH: Parameter<Scalar>? { get }
    var biasHH: Parameter<Scalar>? { get }
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    /// The layer's name in messages ("LSTM", "GRUCell", …).
    static var kind: String { get }
    /// One step from the projected input x·W_ihᵀ + b_ih [B, G·H] (no checks).
    func step(projected: Variable<Scalar>, state: State) -> State
    /// The zero state for a batch of `batch` on `tape`.
    func zeroState(batch: Int, on tape: Tape<Scalar>) -> State
    /// h of a state.
    static func hidden(of state: State) -> Variable<Scalar>
}

extension RecurrentCell {
    /// x·W_ihᵀ + b_ih for rows x [N, in].
    func inputProjection(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let z = matmul(x, weightIH.variable(on: x.tape), transposingB: true)
        return biasIH.map { z.addingBias($0.variable(on: x.tape)) } ?? z
    }

    /// h·W_hhᵀ + b_hh for h [B, H].
    func hiddenProjection(_ h: Variable<Scalar>) -> Variable<Scalar> {
        let z = matmul(h, weightHH.variable(on: h.tape), transposingB: true)
        return biasHH.map { z.addingBias($0.variable(on: h.tape)) } ?? z
    }

    /// W_ih, W_hh, then the biases if any (PyTorch's `state_dict` order).
    var cellParameters: [Parameter<Scalar>] { [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 } }

    /// Stops unless x is [B, inputSize].
    func checkInput(_ x: Variable<Scalar>, file: StaticString, line: UInt) {
        if x.rank != 2 || x.shape[1] != inputSize {
            ShapeError.fail(Self.kind, shapes: [x.shape],
                            detail: "needs an input [batch, \(inputSize)] (input size \(inputSize))", file: file, line: line)
        }
    }

    /// Stops unless `v` (named `what`) is [B, hiddenSize].
    func checkState(_ v: Variable<Scalar>, _ what: String, batch: Int, file: StaticString, line: UInt) {
        if v.shape != [batch, hiddenSize] {
            ShapeError.fail(Self.kind, shapes: [v.shape],
                            detail: "needs a \(what) state [batch, hidden] = [\(batch), \(hiddenSize)]", file: file, line: line)
        }
    }
}

/// The four parameters of a cell with `gates` gates, checked, named with `suffix` (`"_l1"`
/// inside a stacked layer, PyTorch's names).
func recurrentParameters<Scalar>(
    _ kind: String, gates: Int, weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
    biasHH: Tensor<Scalar>?, suffix: String, file: StaticString, line: UInt
) -> (Parameter<Scalar>, Parameter<Scalar>, Parameter<Scalar>?, Parameter<Scalar>?) {
    let h = weightHH.rank == 2 ? weightHH.shape[1] : -1
    let rows = gates * h
    let ok = weightHH.shape == [rows, h] && weightIH.rank == 2 && weightIH.shape[0] == rows
        && (biasIH == nil) == (biasHH == nil) && (biasIH.map { $0.shape == [rows] } ?? true)
        && (biasHH.map { $0.shape == [rows] } ?? true)
    if !ok {
        ShapeError.fail(kind, shapes: [weightIH.shape, weightHH.shape, biasIH?.shape ?? [], biasHH?.shape ?? []],
                        detail: "needs weight_ih [\(gates)·H, in], weight_hh [\(gates)·H, H] and both or neither of "
                            + "bias_ih, bias_hh [\(gates)·H]", file: file, line: line)
    }
    return (Parameter(name: "weight_ih" + suffix, role: .weight, value: weightIH),
            Parameter(name: "weight_hh" + suffix, role: .weight, value: weightHH),
            biasIH.map { Parameter(name: "bias_ih" + suffix, role: .bias, value: $0) },
            biasHH.map { Parameter(name: "bias_hh" + suffix, role: .bias, value: $0) })
}

/// PyTorch's initial values for a cell: every tensor uniform in ±1/√H, drawn in the order
/// W_ih, W_hh, b_ih, b_hh.
func recurrentInitialValues<Scalar: TensorScalar>(
    gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, using generator: inout SeededGenerator
) -> (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) {
    let bound = Initializer.uniform(epsilon: 1 / Double(Swift.max(hiddenSize, 1)).squareRoot())
    let rows = gates * hiddenSize
    let wih: Tensor<Scalar> = bound.tensor(shape: [rows, inputSize], fanIn: hiddenSize, fanOut: rows, using: &generator)
    let whh: Tensor<Scalar> = bound.tensor(shape: [rows, hiddenSize], fanIn: hiddenSize, fanOut: rows, using: &generator)
    guard bias else { return (wih, whh, nil, nil) }
    let bih: Tensor<Scalar> = bound.tensor(shape: [rows], fanIn: hiddenSize, fanOut: rows, using: &generator)
    let bhh: Tensor<Scalar> = bound.tensor(shape: [rows], fanIn: hiddenSize, fanOut: rows, using: &generator)
    return (wih, whh, bih, bhh)
}

/// An Elman RNN cell (PyTorch's `nn.RNNCell`): one step, [B, in] → [B, H].
///
///     h′ = g(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)      g = tanh or relu
///
/// W_ih [H, in], W_hh [H, H], b_ih, b_hh [H]; initially uniform in ±1/√H.
public final class RNNCell<Scalar: TensorScalar>: Layer, RecurrentCell {
    /// W_ih, [H, in] (`weight_ih`).
    public let weightIH: Parameter<Scalar>
    /// W_hh, [H, H] (`weight_hh`).
    public let weightHH: Parameter<Scalar>
    /// b_ih, [H] (`bias_ih`), or `nil` without bias.
    public let biasIH: Parameter<Scalar>?
    /// b_hh, [H] (`bias_hh`), or `nil` without bias.
    public let biasHH: Parameter<Scalar>?
    /// g.
    public let nonlinearity: RNNNonlinearity
    /// The features of an input row.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    static var kind: String { "RNNCell" }

    /// A cell from explicit values in PyTorch's layout.
    /// - Precondition: `weightIH` is [H, in], `weightHH` [H, H], the biases (both or neither) [H].
    public convenience init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
                            biasHH: Tensor<Scalar>?, nonlinearity: RNNNonlinearity = .tanh,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, nonlinearity: nonlinearity,
                  suffix: "", kind: Self.kind, file: file, line: line)
    }

    init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?,
         nonlinearity: RNNNonlinearity, suffix: String, kind: String, file: StaticString, line: UInt) {
        (self.weightIH, self.weightHH, self.biasIH, self.biasHH) = recurrentParameters(
            kind, gates: 1, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, suffix: suffix,
            file: file, line: line)
        (self.nonlinearity, inputSize, hiddenSize) = (nonlinearity, weightIH.shape[1], weightHH.shape[1])
    }

    /// A cell with seeded weights, uniform in ±1/√H (PyTorch's default).
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
                            using generator: inout SeededGenerator) {
        let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) =
            recurrentInitialValues(gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        self.init(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, nonlinearity: nonlinearity)
    }

    /// h′ from x [B, in] and h [B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, state h: Variable<Scalar>?,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        checkInput(x, file: file, line: line)
        if let h { checkState(h, "hidden", batch: x.shape[0], file: file, line: line) }
        return step(projected: inputProjection(x), state: h ?? zeroState(batch: x.shape[0], on: x.tape))
    }

    /// h′ from x [B, in] and a zero h.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, state: nil) }

    func step(projected: Variable<Scalar>, state h: Variable<Scalar>) -> Variable<Scalar> {
        let z = projected + hiddenProjection(h)
        return nonlinearity == .tanh ? tanh(z) : relu(z)
    }

    func zeroState(batch: Int, on tape: Tape<Scalar>) -> Variable<Scalar> {
        tape.constant(Tensor(zeros: [batch, hiddenSize]))
    }

    static func hidden(of state: Variable<Scalar>) -> Variable<Scalar> { state }

    /// W_ih, W_hh, b_ih, b_hh (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { cellParameters }
}

/// A long short-term memory cell (PyTorch's `nn.LSTMCell`): one step, [B, in] → ([B, H], [B, H]).
///
///     [i | f | g | o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh      (PyTorch's gate order)
///     c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
///     h′ = σ(o) ⊙ tanh(c′)
///
/// W_ih [4H, in], W_hh [4H, H], b_ih, b_hh [4H]; initially uniform in ±1/√H.
public final class LSTMCell<Scalar: TensorScalar>: Layer, RecurrentCell {
    /// W_ih, [4H, in], rows i, f, g, o (`weight_ih`).
    public let weightIH: Parameter<Scalar>
    /// W_hh, [4H, H], rows i, f, g, o (`weight_hh`).
    public let weightHH: Parameter<Scalar>
    /// b_ih, [4H] (`bias_ih`), or `nil` without bias.
    public let biasIH: Parameter<Scalar>?
    /// b_hh, [4H] (`bias_hh`), or `nil` without bias.
    public let biasHH: Parameter<Scalar>?
    /// The features of an input row.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    static var kind: String { "LSTMCell" }

    /// A cell from explicit values in PyTorch's layout.
    /// - Precondition: `weightIH` is [4H, in], `weightHH` [4H, H], the biases (both or neither) [4H].
    public convenience init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
                            biasHH: Tensor<Scalar>?, file: StaticString = #fileID, line: UInt = #line) {
        self.init(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, suffix: "", kind: Self.kind,
                  file: file, line: line)
    }

    init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?,
         suffix: String, kind: String, file: StaticString, line: UInt) {
        (self.weightIH, self.weightHH, self.biasIH, self.biasHH) = recurrentParameters(
            kind, gates: 4, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, suffix: suffix,
            file: file, line: line)
        (inputSize, hiddenSize) = (weightIH.shape[1], weightHH.shape[1])
    }

    /// A cell with seeded weights, uniform in ±1/√H (PyTorch's default).
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, using generator: inout SeededGenerator) {
        let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) =
            recurrentInitialValues(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        self.init(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
    }

    /// (h′, c′) from x [B, in] and (h, c), each [B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, state: LSTMState<Scalar>?,
                               file: StaticString = #fileID, line: UInt = #line) -> LSTMState<Scalar> {
        checkInput(x, file: file, line: line)
        if let state {
            checkState(state.hidden, "hidden", batch: x.shape[0], file: file, line: line)
            checkState(state.cell, "cell", batch: x.shape[0], file: file, line: line)
        }
        return step(projected: inputProjection(x), state: state ?? zeroState(batch: x.shape[0], on: x.tape))
    }

    /// h′ from x [B, in] and a zero state.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, state: nil).hidden }

    func step(projected: Variable<Scalar>, state: LSTMState<Scalar>) -> LSTMState<Scalar> {
        let gates = (projected + hiddenProjection(state.hidden)).split(sizes: [Int](repeating: hiddenSize, count: 4),
                                                                        alongAxis: 1)
        let c = sigmoid(gates[1]) * state.cell + sigmoid(gates[0]) * tanh(gates[2])
        return LSTMState(hidden: sigmoid(gates[3]) * tanh(c), cell: c)
    }

    func zeroState(batch: Int, on tape: Tape<Scalar>) -> LSTMState<Scalar> {
        let zero = tape.constant(Tensor(zeros: [batch, hiddenSize]))
        return LSTMState(hidden: zero, cell: zero)
    }

    static func hidden(of state: LSTMState<Scalar>) -> Variable<Scalar> { state.hidden }

    /// W_ih, W_hh, b_ih, b_hh (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { cellParameters }
}

/// A gated recurrent unit cell (PyTorch's `nn.GRUCell`): one step, [B, in] → [B, H].
///
///     [a_r | a_z | a_n] = x·W_ihᵀ + b_ih,   [b_r | b_z | b_n] = h·W_hhᵀ + b_hh   (gate order r, z, n)
///     r = σ(a_r + b_r),   z = σ(a_z + b_z)
///     n = tanh(a_n + r ⊙ b_n)
///     h′ = (1 − z) ⊙ n + z ⊙ h
///
/// W_ih [3H, in], W_hh [3H, H], b_ih, b_hh [3H]; initially uniform in ±1/√H.
public final class GRUCell<Scalar: TensorScalar>: Layer, RecurrentCell {
    /// W_ih, [3H, in], rows r, z, n (`weight_ih`).
    public let weightIH: Parameter<Scalar>
    /// W_hh, [3H, H], rows r, z, n (`weight_hh`).
    public let weightHH: Parameter<Scalar>
    /// b_ih, [3H] (`bias_ih`), or `nil` without bias.
    public let biasIH: Parameter<Scalar>?
    /// b_hh, [3H] (`bias_hh`), or `nil` without bias.
    public let biasHH: Parameter<Scalar>?
    /// The features of an input row.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    static var kind: String { "GRUCell" }

    /// A cell from explicit values in PyTorch's layout.
    /// - Precondition: `weightIH` is [3H, in], `weightHH` [3H, H], the biases (both or neither) [3H].
    public convenience init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?,
                            biasHH: Tensor<Scalar>?, file: StaticString = #fileID, line: UInt = #line) {
        self.init(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, suffix: "", kind: Self.kind,
                  file: file, line: line)
    }

    init(weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>, biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?,
         suffix: String, kind: String, file: StaticString, line: UInt) {
        (self.weightIH, self.weightHH, self.biasIH, self.biasHH) = recurrentParameters(
            kind, gates: 3, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, suffix: suffix,
            file: file, line: line)
        (inputSize, hiddenSize) = (weightIH.shape[1], weightHH.shape[1])
    }

    /// A cell with seeded weights, uniform in ±1/√H (PyTorch's default).
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, using generator: inout SeededGenerator) {
        let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) =
            recurrentInitialValues(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
        self.init(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
    }

    /// h′ from x [B, in] and h [B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, state h: Variable<Scalar>?,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        checkInput(x, file: file, line: line)
        if let h { checkState(h, "hidden", batch: x.shape[0], file: file, line: line) }
        return step(projected: inputProjection(x), state: h ?? zeroState(batch: x.shape[0], on: x.tape))
    }

    /// h′ from x [B, in] and a zero h.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, state: nil) }

    func step(projected: Variable<Scalar>, state h: Variable<Scalar>) -> Variable<Scalar> {
        let sizes = [Int](repeating: hiddenSize, count: 3)
        let a = projected.split(sizes: sizes, alongAxis: 1), b = hiddenProjection(h).split(sizes: sizes, alongAxis: 1)
        let r = sigmoid(a[0] + b[0]), z = sigmoid(a[1] + b[1])
        let n = tanh(a[2] + r * b[2])
        return (1 - z) * n + z * h
    }

    func zeroState(batch: Int, on tape: Tape<Scalar>) -> Variable<Scalar> {
        tape.constant(Tensor(zeros: [batch, hiddenSize]))
    }

    static func hidden(of state: Variable<Scalar>) -> Variable<Scalar> { state }

    /// W_ih, W_hh, b_ih, b_hh (listed: the hot path skips reflection).
    public var parameters: [Parameter<Scalar>] { cellParameters }
}
