import Autodiff
import Tensors

/// Batch normalisation over the channel axis 1 of [N, C], [N, C, L] or [N, C, H, W] batches
/// (PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d`, same names, defaults and updates).
///
/// With the statistics over every axis but the channels' (n elements per channel):
///
///     training:    μ = mean(x),  σ² = mean((x − μ)²)                    (biased, as PyTorch)
///                  y = γ ⊙ (x − μ)/√(σ² + ε) + β                          (recorded: ∂ flows through μ, σ²)
///                  running_mean ← (1 − m)·running_mean + m·μ
///                  running_var  ← (1 − m)·running_var  + m·σ²·n/(n − 1)  (unbiased)
///     evaluation:  y = γ ⊙ (x − running_mean)/√(running_var + ε) + β
///
/// γ (`weight`) starts at 1 and β (`bias`) at 0; the running mean at 0 and variance at 1.
/// Buffers (`running_mean`, `running_var`, `num_batches_tracked`) are saved in checkpoints.
/// The running statistics are updated from the forward values only (never differentiated).
public final class BatchNorm<Scalar: TensorScalar>: Layer, ModeDependentLayer {
    /// γ, [C].
    public let weight: Parameter<Scalar>?
    /// β, [C].
    public let bias: Parameter<Scalar>?
    /// The running mean, [C].
    public let runningMean: Buffer<Scalar>
    /// The running (unbiased) variance, [C].
    public let runningVariance: Buffer<Scalar>
    /// How many training batches updated the running statistics (a rank-0 count).
    public let batchesTracked: Buffer<Scalar>
    /// ε, added to the variance.
    public let epsilon: Double
    /// m, the weight of a batch's statistics in the running ones.
    public let momentum: Double
    /// Training (batch statistics) or evaluation (running statistics).
    public var mode: LayerMode = .training

    /// The number of channels C.
    public var featureCount: Int { runningMean.value.count }

    /// A layer for `featureCount` channels, with learned γ and β when `affine`.
    public init(featureCount: Int, epsilon: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true) {
        precondition(featureCount > 0, "BatchNorm: featureCount \(featureCount) must be positive")
        weight = affine ? Parameter(name: "weight", role: .weight, value: Tensor(ones: [featureCount])) : nil
        bias = affine ? Parameter(name: "bias", role: .bias, value: Tensor(zeros: [featureCount])) : nil
        runningMean = Buffer(name: "running_mean", value: Tensor(zeros: [featureCount]))
        runningVariance = Buffer(name: "running_var", value: Tensor(ones: [featureCount]))
        batchesTracked = Buffer(name: "num_batches_tracked", value: Tensor(zeros: []))
        (self.epsilon, self.momentum) = (epsilon, momentum)
    }

    /// γ and β, if affine.
    public var parameters: [Parameter<Scalar>] { [weight, bias].compactMap { $0 } }

    /// y = γ ⊙ x̂ + β with x̂ normalised by the batch's statistics (training) or the running ones.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { apply(x) }

    /// The layer, reporting a wrong rank or channel count at the caller's line.
    public func apply(_ x: Variable<Scalar>, file: StaticString = #fileID, line: UInt = #line) -> Variable<Scalar> {
        let c = featureCount
        if x.rank < 2 || x.shape[1] != c {
            ShapeError.fail("BatchNorm", shapes: [x.shape, [c]],
                            detail: "needs [N, \(c), …] (channels on axis 1, rank ≥ 2)", file: file, line: line)
        }
        let axes = [0] + Array(2..<x.rank)
        let n = x.shape.enumerated().reduce(1) { $1.offset == 1 ? $0 : $0 * $1.element }
        var channelShape = [Int](repeating: 1, count: x.rank)
        channelShape[1] = c
        let tape = x.tape
        let normalised: Variable<Scalar>
        if mode == .training {
            if n < 2 {
                ShapeError.fail("BatchNorm", shapes: [x.shape], detail: "training needs more than one value per channel",
                                file: file, line: line)
            }
            let mean = x.mean(alongAxes: axes, keepingDimensions: true, file: file, line: line)
            let centred = x - mean
            let variance = (centred * centred).mean(alongAxes: axes, keepingDimensions: true, file: file, line: line)
            normalised = centred / sqrt(variance + Scalar(epsilon))
            updateRunningStatistics(mean: mean.value, variance: variance.value, count: n)
        } else {
            let mean = tape.constant(runningMean.value.reshaped(to: channelShape))
            let variance = tape.constant(runningVariance.value.reshaped(to: channelShape))
            normalised = (x - mean) / sqrt(variance + Scalar(epsilon))
        }
        guard let weight, let bias else { return normalised }
        return normalised * weight.variable(on: tape).reshaped(to: channelShape)
            + bias.variable(on: tape).reshaped(to: channelShape)
    }

    private func updateRunningStatistics(mean: Tensor<Scalar>, variance: Tensor<Scalar>, count: Int) {
        let m = Scalar(momentum), unbias = Scalar(Double(count) / Double(count - 1))
        let c = featureCount
        runningMean.value = runningMean.value * (1 - m) + mean.reshaped(to: [c]) * m
        runningVariance.value = runningVariance.value * (1 - m) + variance.reshaped(to: [c]) * (unbias * m)
        batchesTracked.value = batchesTracked.value + 1
    }
}
