import Backprop

/// Logistic regression: one affine map to logits, no hidden layer.
///
///     two classes:  p(y = 1 | x) = σ(x·w + b),        binary cross-entropy from the logit
///     k classes:    p(y | x) = softmax(x·W + b),      softmax cross-entropy from the logits
///
/// Demonstrates the simplest model the tape trains, and that a convex problem converges the
/// same way whatever the optimiser. On the bundled digits, 0 against 1, it separates the
/// classes on held-out images.
public final class LogisticRegression: Layer {
    /// The affine map.
    public let linear: Dense<Double>
    /// The number of classes (2 gives a single logit).
    public let classCount: Int

    /// A model for `features` inputs and `classes` classes, weights zero (the problem is convex).
    public init(features: Int, classes: Int) {
        precondition(classes >= 2, "LogisticRegression: needs at least two classes, got \(classes)")
        let outputs = classes == 2 ? 1 : classes
        linear = Dense(weight: Tensor(zeros: [features, outputs]), bias: Tensor(zeros: [outputs]), activation: .identity)
        classCount = classes
    }

    /// The logits x·W + b.
    public func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { linear(x) }

    /// W, b.
    public var parameters: [Parameter<Double>] { linear.parameters }

    /// Binary cross-entropy for two classes, softmax cross-entropy otherwise.
    public var loss: Loss { classCount == 2 ? .binaryCrossEntropy : .softmaxCrossEntropy }
}
