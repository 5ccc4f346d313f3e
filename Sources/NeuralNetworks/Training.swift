import Foundation
import Autodiff
import Tensors

/// Mini-batch training with seeded shuffling, evaluation after every epoch and a progress
/// display:
///
///     for each epoch: shuffle (seed + epoch); for each batch B:
///         L = loss(model(X_B), Y_B) + λ/(2m)·Σ_weights θ²;   θ ← optimiser(θ, ∂L/∂θ)
///
/// m is the size of the whole training set, as in the text's J(Θ): each batch's gradient is
/// then an unbiased estimate of ∇J, and full-batch training (batchSize ≥ m) is the text's
/// algorithm exactly. (With m the batch size, the penalty would grow with the number of
/// batches per epoch.)
public struct Trainer<Scalar: TensorScalar> {
    /// The number of passes over the training set.
    public var epochs: Int
    /// m, the examples per mini-batch (the last batch may be smaller); ≥ n gives full-batch.
    public var batchSize: Int
    /// λ of the L2 penalty over weights (biases are not penalised).
    public var lambda: Scalar
    /// The seed of the shuffling.
    public var seed: UInt64
    /// How progress is shown on standard error.
    public var progress: ProgressStyle
    /// Whether every step runs with anomaly detection (Note [Anomaly detection]): the first NaN or
    /// ±∞ born anywhere, even in a step whose loss stays finite, stops training with its report.
    /// Off, a non-finite loss or gradient still stops training: the step is then run again with
    /// detection on to find where it was born.
    public var detectsAnomalies: Bool
    /// The learning rate over the run, as a multiple of the optimiser's rate at step t (from 0).
    public var learningRateSchedule: LearningRateSchedule
    /// If set, each step's gradients are scaled down to this global norm (‖g‖ = √Σᵢ‖gᵢ‖²)
    /// when longer, as PyTorch's `clip_grad_norm_`.
    public var maxGradientNorm: Scalar?

    /// A trainer; the defaults match the main job's settings except epochs.
    public init(epochs: Int, batchSize: Int = 32, lambda: Scalar = 0, seed: UInt64 = 0, progress: ProgressStyle = .automatic,
                detectingAnomalies: Bool = false, learningRateSchedule: LearningRateSchedule = .constant,
                maxGradientNorm: Scalar? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.lambda = lambda
        self.seed = seed
        self.progress = progress
        self.detectsAnomalies = detectingAnomalies
        self.learningRateSchedule = learningRateSchedule
        self.maxGradientNorm = maxGradientNorm
    }

    /// Trains `model` in place on one of the built-in losses and returns one report per epoch
    /// (see ``fit(_:loss:optimizer:on:evaluatingOn:predictionThreshold:)`` for a loss of your own).
    ///
    /// Training stops, before the update, at the first step whose loss or gradient is not finite
    /// (or, with ``detectsAnomalies``, at the first anomaly): `fit` throws
    /// ``TrainingError/nonFinite(epoch:batch:loss:anomaly:)`` with the report of the op where the
    /// NaN or ∞ was born. Data holding one throws ``TrainingError/nonFiniteData(set:row:column:value:)``
    /// before any step.
    ///
    /// - Parameters:
    ///   - model: the network; its parameters are updated.
    ///   - loss: the data term (applied to the model's outputs and the labels' encoding).
    ///   - optimizer: updated along each batch's gradients.
    ///   - data: the training set.
    ///   - evaluation: measured after every epoch (loss and accuracy), if given.
    public func fit<Opt: Optimizer>(
        _ model: any Layer<Scalar>, loss: Loss, optimizer: inout Opt, on data: Dataset<Scalar>,
        evaluatingOn evaluation: Dataset<Scalar>? = nil
    ) throws -> [EpochReport] where Opt.Scalar == Scalar {
        try fit(model, loss: { loss($0, $1) }, optimizer: &optimizer, on: data, evaluatingOn: evaluation,
                predictionThreshold: loss.predictionThreshold())
    }

    /// Trains `model` in place on any loss of (outputs, labels) and returns one report per epoch:
    ///
    ///     L = loss(model(X_B), Y_B) + λ/(2m)·Σ_weights θ²
    ///     g = ∇L, clipped to ‖g‖ ≤ maxGradientNorm;   η_t = η·schedule(t);   θ ← optimiser(θ, g)
    ///
    /// `labels` is the batch's encoding (``labelEncoding(_:outputs:)``: one-hot rows, or a column
    /// of 0/1 for a single output). The schedule counts steps from 0 over the whole run and
    /// scales the optimiser's rate, which is restored when `fit` returns. The model is put in
    /// ``LayerMode/training`` for the steps and in ``LayerMode/evaluation`` to measure.
    ///
    /// - Parameters:
    ///   - loss: the data term, recorded on the outputs' tape.
    ///   - predictionThreshold: for a single output, the value above which the class is 1 when
    ///     measuring accuracy (0 for logits, ½ for probabilities).
    ///   - The rest as in ``fit(_:loss:optimizer:on:evaluatingOn:)``.
    public func fit<Opt: Optimizer>(
        _ model: any Layer<Scalar>, loss: @escaping (_ outputs: Variable<Scalar>, _ labels: Tensor<Scalar>) -> Variable<Scalar>,
        optimizer: inout Opt, on data: Dataset<Scalar>, evaluatingOn evaluation: Dataset<Scalar>? = nil,
        predictionThreshold: Scalar = 0
    ) throws -> [EpochReport] where Opt.Scalar == Scalar {
        if !(epochs >= 0 && batchSize >= 1) { fatalError("Trainer: epochs must be ≥ 0 and batchSize ≥ 1") }
        if let maxGradientNorm, !(maxGradientNorm > 0) { fatalError("Trainer: maxGradientNorm must be > 0") }
        try checkFinite(data, "training")
        if let evaluation { try checkFinite(evaluation, "evaluation") }
        let display = ProgressDisplay(style: progress, epochs: epochs)
        let parameters = model.parameters
        let baseRate = optimizer.learningRate
        defer { optimizer.learningRate = baseRate }
        var reports = [EpochReport]()
        var stepCount = 0
        for epoch in 1...Swift.max(epochs, 1) where epochs > 0 {
            let start = Date()
            let shuffled = data.shuffled(seed: seed &+ UInt64(epoch))
            var total = 0.0, batches = 0
            var first = 0
            model.setMode(.training)
            while first < shuffled.count {
                let batch = shuffled.subset(Array(first..<Swift.min(first + batchSize, shuffled.count)))
                first += batchSize
                batches += 1
                var (objective, gradients, anomaly) = step(model, loss: loss, batch, exampleCount: data.count,
                                                           detecting: detectsAnomalies)
                let finite = objective.isFinite && gradients.allSatisfy { $0.firstNonFiniteOffset() == nil }
                if anomaly != nil || !finite {
                    // Find where it was born: the same step again, every value checked.
                    let found = anomaly ?? step(model, loss: loss, batch, exampleCount: data.count, detecting: true).2
                    display.interrupted()
                    model.setMode(.evaluation)
                    throw TrainingError.nonFinite(epoch: epoch, batch: batches, loss: Double(objective),
                                                  anomaly: found)
                }
                if let maxGradientNorm { gradients = clippedByGlobalNorm(gradients, maxNorm: maxGradientNorm).gradients }
                if learningRateSchedule != .constant {
                    optimizer.learningRate = baseRate * Scalar(learningRateSchedule.multiplier(atStep: stepCount))
                }
                stepCount += 1
                optimizer.update(parameters, along: gradients)
                total += Double(objective)
                display.batch(epoch: epoch, done: Swift.min(first, shuffled.count), total: shuffled.count,
                              loss: total / Double(batches), since: start)
            }
            let seconds = Swift.max(Date().timeIntervalSince(start), 1e-9)
            let measured = evaluate(model, loss: loss, on: evaluation ?? data, predictionThreshold: predictionThreshold)
            let report = EpochReport(epoch: epoch, loss: total / Double(Swift.max(batches, 1)), accuracy: measured.accuracy,
                                     evaluationLoss: evaluation == nil ? nil : measured.loss,
                                     examplesPerSecond: Double(data.count) / seconds)
            display.epochEnded(report)
            reports.append(report)
        }
        model.setMode(.evaluation)
        return reports
    }

    /// One step's objective and gradients on a fresh tape, and its first anomaly when `detecting`.
    /// The objective is returned as a number, not a variable, so the tape is released before the
    /// update: while it lived, its leaf records shared the parameters' storage, and updating them
    /// copied every weight matrix first (copy-on-write).
    func step(_ model: any Layer<Scalar>, loss: (Variable<Scalar>, Tensor<Scalar>) -> Variable<Scalar>,
              _ batch: Dataset<Scalar>, exampleCount: Int,
              detecting: Bool) -> (Scalar, [Tensor<Scalar>], AnomalyReport?) {
        let tape = Tape<Scalar>()
        tape.anomalyDetection = detecting ? .collect : .off
        let parameters = model.parameters
        let outputs = model(tape.constant(batch.features))
        var objective = loss(outputs, labelEncoding(batch, outputs: outputs.shape.last ?? 1))
        if objective.rank != 0 {
            fatalError("Trainer: the loss must be a scalar (rank 0); it has shape \(objective.shape)")
        }
        if lambda != 0 {
            objective = objective + l2Penalty(parameters, lambda: lambda, exampleCount: exampleCount, on: tape)
        }
        let gradients = tape.gradient(of: objective, wrt: parameters.map { $0.variable(on: tape) })
        return (objective.value.scalar, gradients, tape.firstAnomaly)
    }

    /// Throws if a feature is NaN or ±∞, naming its row and column.
    func checkFinite(_ data: Dataset<Scalar>, _ set: String) throws {
        let columns = data.features.shape.last ?? 1
        if let k = data.features.scalars.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteData(set: set, row: k / Swift.max(columns, 1), column: k % Swift.max(columns, 1),
                                              value: Double(data.features.scalars[k]))
        }
    }
}

/// Why training stopped before its last epoch.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A step's loss or gradient was NaN or ±∞ (or, with anomaly detection, some value was):
    /// the parameters were not updated, and `anomaly` says where it was born.
    case nonFinite(epoch: Int, batch: Int, loss: Double, anomaly: AnomalyReport?)
    /// A feature of the training or evaluation data is NaN or ±∞ (row and column from 0).
    case nonFiniteData(set: String, row: Int, column: Int, value: Double)

    /// What happened and where.
    public var description: String {
        switch self {
        case .nonFinite(let epoch, let batch, let loss, let anomaly):
            let origin = anomaly.map { " — the first non-finite value: \($0)" } ?? ""
            return "training stopped at epoch \(epoch), batch \(batch): the loss is \(loss)\(origin)."
                + " No parameter was updated by this step."
        case .nonFiniteData(let set, let row, let column, let value):
            return "the \(set) data hold \(value) at row \(row + 1), column \(column + 1): training needs finite features"
        }
    }
}

/// The labels in the form `loss` expects: one-hot rows for several outputs, the class (0 or 1)
/// as a column for a single output.
public func labelEncoding<S>(_ data: Dataset<S>, outputs: Int) -> Tensor<S> {
    outputs == 1
        ? Tensor(shape: [data.count, 1], scalars: data.labels.map { S($0) })
        : oneHot(data.labels, classCount: Swift.max(outputs, data.classCount))
}

/// The predicted class of each row of outputs: the arg-max, or for a single output whether
/// it exceeds `threshold` (0 for logits, ½ for probabilities).
public func predictedClasses<S>(_ outputs: Tensor<S>, threshold: S = 0) -> [Int] {
    guard outputs.rank == 2 else { return [] }
    let (m, k) = (outputs.shape[0], outputs.shape[1])
    if k == 1 { return outputs.scalars.map { $0 > threshold ? 1 : 0 } }
    return outputs.maxWithIndices(alongAxis: 1).indices.prefix(m).map { $0 }
}

/// The model's mean loss (data term only) and accuracy on a dataset, without recording gradients,
/// in ``LayerMode/evaluation`` (dropout off, batch norm on its running statistics).
public func evaluate<S>(_ model: any Layer<S>, loss: Loss, on data: Dataset<S>) -> (loss: Double, accuracy: Double) {
    evaluate(model, loss: { loss($0, $1) }, on: data, predictionThreshold: loss.predictionThreshold())
}

/// The model's mean loss under any loss of (outputs, labels) and its accuracy (the arg-max, or
/// for one output whether it exceeds `predictionThreshold`), without recording gradients, in
/// ``LayerMode/evaluation``.
public func evaluate<S>(_ model: any Layer<S>, loss: (_ outputs: Variable<S>, _ labels: Tensor<S>) -> Variable<S>,
                        on data: Dataset<S>, predictionThreshold: S = 0) -> (loss: Double, accuracy: Double) {
    let tape = Tape<S>()
    model.setMode(.evaluation)
    return tape.withoutGradients {
        let outputs = model(tape.constant(data.features))
        let value = loss(outputs, labelEncoding(data, outputs: outputs.shape.last ?? 1))
        let predicted = predictedClasses(outputs.value, threshold: predictionThreshold)
        let correct = zip(predicted, data.labels).filter { $0 == $1 }.count
        return (Double(value.value.scalar), Double(correct) / Double(Swift.max(data.count, 1)))
    }
}

extension Loss {
    /// The single-output threshold of a predicted class: ½ for the squared errors (outputs are
    /// probabilities), 0 for the cross-entropies (outputs are logits).
    public func predictionThreshold<S: TensorScalar>(as _: S.Type = S.self) -> S {
        self == .halfSumOfSquares || self == .meanSquaredError ? 0.5 : 0
    }
}
