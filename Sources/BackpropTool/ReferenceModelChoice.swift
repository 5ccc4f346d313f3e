import Backprop
import ReferenceModels

/// The reference models the command offers by name (`--model`), built in one place for
/// `train` and `graph`, with the settings each trains well with by default.
enum ReferenceModelChoice {
    /// The names `--model` accepts; the first is the default.
    static let names = ["digits", "xor", "logistic", "deep", "cnn", "lstm", "transformer"]

    /// What `train` uses for a model when the command line does not say.
    struct Defaults {
        var epochs: Int, batchSize: Int, lambda: Double, seed: UInt64, optimizer: String
        var learningRate: Double?
        /// `--schedule`'s default.
        var schedule = "constant"
    }

    /// The defaults of the model `name` (the main job's for `digits`).
    static func defaults(_ name: String) -> Defaults {
        switch name {
        case "xor": Defaults(epochs: 2000, batchSize: 4, lambda: 0, seed: 2, optimizer: "sgd", learningRate: 2)
        case "digits": Defaults(epochs: MainJob.epochs, batchSize: MainJob.batchSize, lambda: MainJob.lambda,
                                seed: MainJob.seed, optimizer: "adam", learningRate: nil)
        case "cnn": Defaults(epochs: 25, batchSize: 32, lambda: 0, seed: 5, optimizer: "adam", learningRate: 0.01)
        case "lstm": Defaults(epochs: 20, batchSize: 32, lambda: 0, seed: 5, optimizer: "adam", learningRate: 0.01,
                              schedule: "cosine")
        case "transformer": Defaults(epochs: 15, batchSize: 32, lambda: 0, seed: 1, optimizer: "adam", learningRate: 0.003,
                                     schedule: "cosine:0.02")
        default: Defaults(epochs: MainJob.epochs, batchSize: MainJob.batchSize, lambda: 0, seed: MainJob.seed,
                          optimizer: "adam", learningRate: nil)
        }
    }

    /// The input shape a model needs, if fixed: the image models read 8×8 digits (64 features).
    static func requiredFeatures(_ name: String) -> Int? {
        switch name {
        case "xor": 2
        case "cnn", "lstm", "transformer": 64
        default: nil
        }
    }

    /// A fresh model for data with `features` inputs and `classes` classes, and the loss it
    /// trains on. The XOR network ignores the sizes (it is the text's 2-2-1 network).
    static func make(_ name: String, features: Int, classes: Int, seed: UInt64) -> (model: any Layer<Double>, loss: Loss) {
        switch name {
        case "xor": let m = XORNetwork(seed: seed); return (m, m.loss)
        case "logistic": let m = LogisticRegression(features: features, classes: classes); return (m, m.loss)
        case "deep": let m = DeepReLUNetwork(widths: [features, 64, 32, classes], seed: seed); return (m, m.loss)
        case "cnn": let m = DigitCNN(seed: seed); return (m, m.loss)
        case "lstm": let m = DigitLSTM(seed: seed); return (m, m.loss)
        case "transformer": let m = DigitTransformer(seed: seed); return (m, m.loss)
        default: let m = DigitClassifier(inputs: features, classes: classes, seed: seed); return (m, m.loss)
        }
    }
}
