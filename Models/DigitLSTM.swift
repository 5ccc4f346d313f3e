import Backprop

/// A recurrent network for the bundled 8×8 digits: each image (a row of 64 pixels) read as a
/// sequence of its 8 rows of 8 pixels,
///
///     x [m, 64] → [m, 8, 8]          8 time steps of 8 features (batch first)
///     LSTM 8 → H (gates i, f, g, o)  h_t = σ(o) ⊙ tanh(c_t),  c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g)
///     dense H → 10 on h_8            logits
///
/// trained on softmax cross-entropy from the logits; PyTorch's default initialisation
/// (uniform ±1/√H for the LSTM). Demonstrates the recurrent layers built only from the public API.
public final class DigitLSTM: Layer {
    /// The recurrent layer, 8 → H.
    public let lstm: LSTM<Double>
    /// The classifier on the last hidden state.
    public let output: Dense<Double>

    /// A network with `hiddenSize` LSTM units and weights drawn from `seed`.
    public init(hiddenSize: Int = 48, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        lstm = LSTM(inputSize: 8, hiddenSize: hiddenSize, using: &g)
        output = Dense(inputSize: hiddenSize, outputSize: 10, activation: .identity, initializer: .glorotUniform, using: &g)
    }

    /// The logits of a batch of images [m, 64].
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
        let (_, final) = lstm(x.reshaped(to: [x.shape[0], 8, 8]), initialState: nil)
        return output(final.hidden.reshaped(to: [x.shape[0], lstm.hiddenSize]))
    }

    /// Softmax cross-entropy from the logits.
    public var loss: Loss { .softmaxCrossEntropy }
}
