import Backprop

/// The optimisers `--optimizer` offers, and training with the one chosen.
enum OptimizerChoice {
    /// The names `--optimizer` accepts.
    static let names = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"]

    /// The default η of each (Adam's family 0.01 on these small nets; PyTorch's RMSprop/AdaGrad 0.01; SGD 0.1).
    static func defaultRate(_ name: String) -> Double {
        switch name {
        case "sgd", "momentum", "nesterov": 0.1
        default: 0.01
        }
    }

    /// Trains `model` with the named optimiser.
    static func fit(_ name: String, learningRate: Double, weightDecay: Double, trainer: Trainer<Double>,
                    model: any Layer<Double>, loss: Loss, on training: Dataset<Double>,
                    evaluatingOn test: Dataset<Double>?) throws -> [EpochReport] {
        func run<O: Optimizer>(_ optimizer: O) throws -> [EpochReport] where O.Scalar == Double {
            var o = optimizer
            return try trainer.fit(model, loss: loss, optimizer: &o, on: training, evaluatingOn: test)
        }
        switch name {
        case "sgd": return try run(SGD<Double>(learningRate: learningRate))
        case "momentum", "nesterov": return try run(Momentum<Double>(learningRate: learningRate, nesterov: name == "nesterov"))
        case "adamw": return try run(AdamW<Double>(learningRate: learningRate, weightDecay: weightDecay))
        case "rmsprop": return try run(RMSprop<Double>(learningRate: learningRate))
        case "adagrad": return try run(AdaGrad<Double>(learningRate: learningRate))
        default: return try run(Adam<Double>(learningRate: learningRate))
        }
    }
}

/// `--schedule constant|cosine|cosine:FLOOR|step:EVERY:FACTOR` with `--warmup N`.
enum ScheduleChoice {
    /// The schedule named by `text` over `totalSteps`, after `warmup` linear warm-up steps.
    static func parse(_ text: String, warmup: Int, totalSteps: Int) throws(ArgumentError) -> LearningRateSchedule {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let base: LearningRateSchedule
        switch parts[0] {
        case "constant" where parts.count == 1: base = .constant
        case "cosine" where parts.count <= 2:
            let floor = parts.count == 2 ? Double(parts[1]) : 0
            guard let floor, floor >= 0, floor <= 1 else { throw ArgumentError("--schedule cosine:FLOOR needs 0 ≤ FLOOR ≤ 1, got \(text)") }
            base = .cosine(steps: Swift.max(totalSteps - warmup, 1), floor: floor)
        case "step" where parts.count == 3:
            guard let every = Int(parts[1]), every >= 1, let factor = Double(parts[2]), factor > 0, factor.isFinite else {
                throw ArgumentError("--schedule step:EVERY:FACTOR needs EVERY ≥ 1 steps and FACTOR > 0, got \(text)")
            }
            base = .step(every: every, factor: factor)
        default:
            throw ArgumentError("--schedule must be constant, cosine, cosine:FLOOR or step:EVERY:FACTOR; got \(text)")
        }
        return warmup > 0 ? .warmup(steps: warmup, then: base) : base
    }
}
