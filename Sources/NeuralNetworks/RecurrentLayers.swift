import Autodiff
import Tensors

// The sequence layers: PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU` with `batch_first=True`, as
// stacks of the cells of RecurrentCells.swift unrolled by a plain loop over the time steps.
//
// Note [Input projection]: the input's contribution x_t·W_ihᵀ + b_ih does not depend on the
// state, so it could be computed for all steps in one matmul ([B·T, in]·W_ihᵀ) before the loop,
// as PyTorch's CPU kernel does. Here it is not: each step would then slice its [B, G·H] rows
// out of the [B, T, G·H] projection, and a slice's adjoint is a zero-padded copy of the whole
// projection, so the backward pass would add T dense [B, T, G·H] tensors — O(T²·B·G·H). At
// torch_steps.py's LSTM (B 64, T 32, G·H 512, Float) that made a training step about 1.8× slower
// than projecting step by step (2.1 s vs 1.15 s for 20 steps), and DigitLSTM's 20 epochs 8.2 s
// vs 6.3–7.6 s. So each step multiplies its own x_t [B, in] (sliced from x, whose pads are only
// [B, T, in]), and a stacked layer reads the previous layer's per-step outputs directly, never
// slicing a sequence of hidden states. The values are the same either way, bit for bit (GEMM
// computes each element by one fused multiply-add chain, whatever the row count).

// Note [Stacked parameter names]: PyTorch names a stacked layer's tensors `weight_ih_l0`,
// `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `weight_ih_l1`, …, flat on the module. The
// layers keep one cell per stacked layer, whose parameters carry those names, and present them
// to reflection as direct children (`CustomReflectable`), so ``Layer/namedParameters`` and
// ``Layer/pyTorchStateDict()`` give torch's names in torch's order.

/// Runs `cells` (one per stacked layer) over x [B, T, in] from the per-layer states `initial`:
/// layer k's input is layer k − 1's output sequence. Returns the last layer's outputs [B, T, H]
/// and each layer's final state. See Note [Input projection].
/// - Complexity: per layer and step, two matmuls ([B, in]·W_ihᵀ and [B, H]·W_hhᵀ) and O(B·G·H)
///   element-wise work; the tape grows by O(layers · T) records.
func unrollSequence<Cell: RecurrentCell>(_ cells: [Cell], _ x: Variable<Cell.Scalar>,
                                         initial: [Cell.State]) -> (output: Variable<Cell.Scalar>, final: [Cell.State]) {
    let (batch, steps, features) = (x.shape[0], x.shape[1], x.shape[2])
    let hidden = cells.last?.hiddenSize ?? 0
    if steps == 0 { return (x.tape.constant(Tensor(zeros: [batch, 0, hidden])), initial) }
    // Layer 0 reads the steps of x; layer k the outputs of layer k − 1, step by step (no slicing).
    var inputs = (0..<steps).map { t in x.slice(t..<(t + 1), alongAxis: 1).reshaped(to: [batch, features]) }
    var finals = [Cell.State]()
    for (k, cell) in cells.enumerated() {
        var state = initial[k]
        for t in 0..<steps {
            state = cell.step(projected: cell.inputProjection(inputs[t]), state: state)
            inputs[t] = Cell.hidden(of: state)
        }
        finals.append(state)
    }
    return (stacked(inputs, alongAxis: 1), finals)
}

/// Layer k's [B, H] slice of a [layerCount, B, H] state.
func layerSlice<S>(_ state: Variable<S>, _ k: Int, layerCount: Int) -> Variable<S> {
    let rows = Array(state.shape.dropFirst())
    return layerCount == 1 ? state.reshaped(to: rows) : state.slice(k..<(k + 1), alongAxis: 0).reshaped(to: rows)
}

/// The per-layer [B, H] states joined into [layerCount, B, H].
func joinedLayers<S>(_ states: [Variable<S>]) -> Variable<S> {
    states.count == 1 ? states[0].expandingShape(at: 0) : stacked(states, alongAxis: 0)
}

/// Stops unless x is [B, T, inputSize]; `name` is the layer's name in the message.
func checkSequence<S>(_ x: Variable<S>, _ name: String, inputSize: Int, file: StaticString, line: UInt) {
    if x.rank != 3 || x.shape[2] != inputSize {
        ShapeError.fail(name, shapes: [x.shape],
                        detail: "needs an input [batch, time, \(inputSize)] (batch first, input size \(inputSize))",
                        file: file, line: line)
    }
}

/// Stops unless a state (named `what`) is [layerCount, B, H].
func checkLayerState<S>(_ v: Variable<S>, _ what: String, _ name: String, expected: [Int], file: StaticString, line: UInt) {
    if v.shape != expected {
        ShapeError.fail(name, shapes: [v.shape],
                        detail: "needs an initial \(what) state [layers, batch, hidden] = \(expected)", file: file, line: line)
    }
}

/// The reflection children of Note [Stacked parameter names]: every cell's parameters, flat.
func stackedMirror<Cell: RecurrentCell>(_ subject: AnyObject, _ cells: [Cell]) -> Mirror {
    Mirror(subject, children: cells.flatMap { $0.cellParameters.map { (label: Optional($0.name), value: $0 as Any) } },
           displayStyle: .class)
}

/// An Elman RNN over sequences (PyTorch's `nn.RNN(batch_first=True)`), `layerCount` layers
/// stacked: for each layer ℓ and step t,
///
///     h_t^ℓ = g(x_t^ℓ·W_ihᵀ + b_ih + h_{t−1}^ℓ·W_hhᵀ + b_hh)      g = tanh or relu
///     x_t^0 = x_t,   x_t^ℓ = h_t^{ℓ−1}
///
/// Input [B, T, in] (batch first); output the last layer's h_t, [B, T, H]; state h [layerCount, B, H].
/// Parameters `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_l1`, …, as torch's `state_dict`.
public final class RNN<Scalar: TensorScalar>: Layer, CustomReflectable {
    /// One cell per stacked layer, first applied first (parameters named `…_l0`, `…_l1`, …).
    public let cells: [RNNCell<Scalar>]
    /// The features of an input step.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    /// The number of stacked layers (torch's `num_layers`).
    public var layerCount: Int { cells.count }

    /// A layer with seeded weights, uniform in ±1/√H (PyTorch's default).
    /// - Precondition: `layerCount` ≥ 1.
    public init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, nonlinearity: RNNNonlinearity = .tanh,
                bias: Bool = true, using generator: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        if layerCount < 1 {
            ShapeError.fail("RNN", shapes: [], detail: "needs layerCount ≥ 1, got \(layerCount)", file: file, line: line)
        }
        cells = (0..<layerCount).map { k in
            let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) = recurrentInitialValues(
                gates: 1, inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
            return RNNCell(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, nonlinearity: nonlinearity,
                           suffix: "_l\(k)", kind: "RNN", file: file, line: line)
        }
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
    }

    /// The output sequence [B, T, H] and the final h [layerCount, B, H] from x [B, T, in] and
    /// the initial h [layerCount, B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, initialState: Variable<Scalar>?, file: StaticString = #fileID,
                               line: UInt = #line) -> (output: Variable<Scalar>, finalState: Variable<Scalar>) {
        checkSequence(x, "RNN", inputSize: inputSize, file: file, line: line)
        let batch = x.shape[0]
        if let initialState {
            checkLayerState(initialState, "hidden", "RNN", expected: [layerCount, batch, hiddenSize], file: file, line: line)
        }
        let initial = cells.indices.map { k in
            initialState.map { layerSlice($0, k, layerCount: layerCount) } ?? cells[k].zeroState(batch: batch, on: x.tape)
        }
        let (output, finals) = unrollSequence(cells, x, initial: initial)
        return (output, joinedLayers(finals))
    }

    /// The output sequence [B, T, H] from x [B, T, in] and a zero state.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, initialState: nil).output }

    /// Every cell's W_ih, W_hh, b_ih, b_hh, layer by layer (torch's order).
    public var parameters: [Parameter<Scalar>] { cells.flatMap(\.cellParameters) }

    /// The parameters as direct children (Note [Stacked parameter names]).
    public var customMirror: Mirror { stackedMirror(self, cells) }
}

/// A long short-term memory over sequences (PyTorch's `nn.LSTM(batch_first=True)`),
/// `layerCount` layers stacked: for each layer ℓ and step t (gate order i, f, g, o),
///
///     [i | f | g | o] = x_t^ℓ·W_ihᵀ + b_ih + h_{t−1}^ℓ·W_hhᵀ + b_hh
///     c_t^ℓ = σ(f) ⊙ c_{t−1}^ℓ + σ(i) ⊙ tanh(g)
///     h_t^ℓ = σ(o) ⊙ tanh(c_t^ℓ)
///     x_t^0 = x_t,   x_t^ℓ = h_t^{ℓ−1}
///
/// Input [B, T, in] (batch first); output the last layer's h_t, [B, T, H]; state (h, c), each
/// [layerCount, B, H] (torch's `h_n`, `c_n`). Parameters `weight_ih_l0` [4H, in],
/// `weight_hh_l0` [4H, H], `bias_ih_l0`, `bias_hh_l0` [4H], `…_l1`, …, as torch's `state_dict`.
public final class LSTM<Scalar: TensorScalar>: Layer, CustomReflectable {
    /// One cell per stacked layer, first applied first (parameters named `…_l0`, `…_l1`, …).
    public let cells: [LSTMCell<Scalar>]
    /// The features of an input step.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    /// The number of stacked layers (torch's `num_layers`).
    public var layerCount: Int { cells.count }

    /// A layer with seeded weights, uniform in ±1/√H (PyTorch's default).
    /// - Precondition: `layerCount` ≥ 1.
    public init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, bias: Bool = true,
                using generator: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        if layerCount < 1 {
            ShapeError.fail("LSTM", shapes: [], detail: "needs layerCount ≥ 1, got \(layerCount)", file: file, line: line)
        }
        cells = (0..<layerCount).map { k in
            let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) = recurrentInitialValues(
                gates: 4, inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
            return LSTMCell(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, suffix: "_l\(k)", kind: "LSTM",
                            file: file, line: line)
        }
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
    }

    /// The output sequence [B, T, H] and the final (h, c), each [layerCount, B, H], from x
    /// [B, T, in] and the initial (h, c), each [layerCount, B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, initialState: LSTMState<Scalar>?, file: StaticString = #fileID,
                               line: UInt = #line) -> (output: Variable<Scalar>, finalState: LSTMState<Scalar>) {
        checkSequence(x, "LSTM", inputSize: inputSize, file: file, line: line)
        let batch = x.shape[0]
        if let initialState {
            let expected = [layerCount, batch, hiddenSize]
            checkLayerState(initialState.hidden, "hidden", "LSTM", expected: expected, file: file, line: line)
            checkLayerState(initialState.cell, "cell", "LSTM", expected: expected, file: file, line: line)
        }
        let initial = cells.indices.map { k in
            initialState.map {
                LSTMState(hidden: layerSlice($0.hidden, k, layerCount: layerCount), cell: layerSlice($0.cell, k, layerCount: layerCount))
            } ?? cells[k].zeroState(batch: batch, on: x.tape)
        }
        let (output, finals) = unrollSequence(cells, x, initial: initial)
        return (output, LSTMState(hidden: joinedLayers(finals.map(\.hidden)), cell: joinedLayers(finals.map(\.cell))))
    }

    /// The output sequence [B, T, H] from x [B, T, in] and a zero state.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, initialState: nil).output }

    /// Every cell's W_ih, W_hh, b_ih, b_hh, layer by layer (torch's order).
    public var parameters: [Parameter<Scalar>] { cells.flatMap(\.cellParameters) }

    /// The parameters as direct children (Note [Stacked parameter names]).
    public var customMirror: Mirror { stackedMirror(self, cells) }
}

/// A gated recurrent unit over sequences (PyTorch's `nn.GRU(batch_first=True)`), `layerCount`
/// layers stacked: for each layer ℓ and step t (gate order r, z, n),
///
///     [a_r | a_z | a_n] = x_t^ℓ·W_ihᵀ + b_ih,   [b_r | b_z | b_n] = h_{t−1}^ℓ·W_hhᵀ + b_hh
///     r = σ(a_r + b_r),   z = σ(a_z + b_z),   n = tanh(a_n + r ⊙ b_n)
///     h_t^ℓ = (1 − z) ⊙ n + z ⊙ h_{t−1}^ℓ
///     x_t^0 = x_t,   x_t^ℓ = h_t^{ℓ−1}
///
/// Input [B, T, in] (batch first); output the last layer's h_t, [B, T, H]; state h [layerCount, B, H].
/// Parameters `weight_ih_l0` [3H, in], `weight_hh_l0` [3H, H], `bias_ih_l0`, `bias_hh_l0` [3H], `…_l1`, ….
public final class GRU<Scalar: TensorScalar>: Layer, CustomReflectable {
    /// One cell per stacked layer, first applied first (parameters named `…_l0`, `…_l1`, …).
    public let cells: [GRUCell<Scalar>]
    /// The features of an input step.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    /// The number of stacked layers (torch's `num_layers`).
    public var layerCount: Int { cells.count }

    /// A layer with seeded weights, uniform in ±1/√H (PyTorch's default).
    /// - Precondition: `layerCount` ≥ 1.
    public init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, bias: Bool = true,
                using generator: inout SeededGenerator, file: StaticString = #fileID, line: UInt = #line) {
        if layerCount < 1 {
            ShapeError.fail("GRU", shapes: [], detail: "needs layerCount ≥ 1, got \(layerCount)", file: file, line: line)
        }
        cells = (0..<layerCount).map { k in
            let (wih, whh, bih, bhh): (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>?, Tensor<Scalar>?) = recurrentInitialValues(
                gates: 3, inputSize: k == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, bias: bias, using: &generator)
            return GRUCell(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, suffix: "_l\(k)", kind: "GRU",
                           file: file, line: line)
        }
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
    }

    /// The output sequence [B, T, H] and the final h [layerCount, B, H] from x [B, T, in] and
    /// the initial h [layerCount, B, H] (zeros if `nil`).
    @_specialize(exported: true, where Scalar == Float) @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction(_ x: Variable<Scalar>, initialState: Variable<Scalar>?, file: StaticString = #fileID,
                               line: UInt = #line) -> (output: Variable<Scalar>, finalState: Variable<Scalar>) {
        checkSequence(x, "GRU", inputSize: inputSize, file: file, line: line)
        let batch = x.shape[0]
        if let initialState {
            checkLayerState(initialState, "hidden", "GRU", expected: [layerCount, batch, hiddenSize], file: file, line: line)
        }
        let initial = cells.indices.map { k in
            initialState.map { layerSlice($0, k, layerCount: layerCount) } ?? cells[k].zeroState(batch: batch, on: x.tape)
        }
        let (output, finals) = unrollSequence(cells, x, initial: initial)
        return (output, joinedLayers(finals))
    }

    /// The output sequence [B, T, H] from x [B, T, in] and a zero state.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { self(x, initialState: nil).output }

    /// Every cell's W_ih, W_hh, b_ih, b_hh, layer by layer (torch's order).
    public var parameters: [Parameter<Scalar>] { cells.flatMap(\.cellParameters) }

    /// The parameters as direct children (Note [Stacked parameter names]).
    public var customMirror: Mirror { stackedMirror(self, cells) }
}
