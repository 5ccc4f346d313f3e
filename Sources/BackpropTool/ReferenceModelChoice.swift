import Backprop
import ReferenceModels

/// The reference models the command offers by name (`--model`), built in one place for
/// `train` and `graph`.
enum ReferenceModelChoice {
    /// The names `--model` accepts; the first is the default.
    static let names = ["digits", "xor", "logistic", "deep"]

    /// A fresh model for data with `features` inputs and `classes` classes, and the loss it
    /// trains on. The XOR network ignores the sizes (it is the text's 2-2-1 network).
    static func make(_ name: String, features: Int, classes: Int, seed: UInt64) -> (model: any Layer<Double>, loss: Loss) {
        switch name {
        case "xor": let m = XORNetwork(seed: seed); return (m, m.loss)
        case "logistic": let m = LogisticRegression(features: features, classes: classes); return (m, m.loss)
        case "deep": let m = DeepReLUNetwork(widths: [features, 64, 32, classes], seed: seed); return (m, m.loss)
        default: let m = DigitClassifier(inputs: features, classes: classes, seed: seed); return (m, m.loss)
        }
    }
}
