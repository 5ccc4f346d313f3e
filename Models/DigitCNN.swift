import Backprop

/// A small convolutional network for the bundled 8×8 digits (rows of 64 pixels, reshaped
/// to [m, 1, 8, 8] inside):
///
///     conv 1→8 3×3 pad 1, relu, maxpool 2   [m, 8, 4, 4]
///     conv 8→16 3×3 pad 1, relu, maxpool 2  [m, 16, 2, 2]
///     flatten, dense 64→10                  logits
///
/// trained on softmax cross-entropy from the logits; PyTorch's default initialisation.
/// Demonstrates the convolution and pooling layers built only from the public API.
public final class DigitCNN: Layer {
    /// The first convolution, 1 → 8 channels.
    public let conv1: Conv2D<Double>
    /// The second convolution, 8 → 16 channels.
    public let conv2: Conv2D<Double>
    /// The classifier on the 16·2·2 = 64 pooled features.
    public let output: Dense<Double>
    let pool = MaxPool2D<Double>(kernelSize: 2)

    /// A network with weights drawn from `seed`.
    public init(seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        conv1 = Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, using: &g)
        conv2 = Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 3, padding: 1, using: &g)
        output = Dense(inputSize: 64, outputSize: 10, activation: .identity, initializer: .glorotUniform, using: &g)
    }

    /// The logits of a batch of images [m, 64].
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> {
        let image = x.reshaped(to: [x.shape[0], 1, 8, 8])
        let h = pool(relu(conv2(pool(relu(conv1(image))))))
        return output(h.reshaped(to: [x.shape[0], 64]))
    }

    /// Softmax cross-entropy from the logits.
    public var loss: Loss { .softmaxCrossEntropy }
}
