import Tensors

// AdamW, RMSprop and AdaGrad (PyTorch's formulations and defaults), gradient clipping by the
// global norm, and learning-rate schedules.

/// Adam with decoupled weight decay (Loshchilov & Hutter, 2019; PyTorch's `AdamW`):
///
///     θ ← θ − η·λ·θ;   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     θ ← θ − η·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
public struct AdamW<Scalar: TensorScalar>: Optimizer {
    /// The Adam step after the decay.
    public var adam: Adam<Scalar>
    /// λ, the decoupled weight decay (PyTorch's default 0.01).
    public var weightDecay: Scalar
    /// η (the inner Adam's rate).
    public var learningRate: Scalar {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }

    /// An optimiser with PyTorch's defaults unless given.
    public init(learningRate: Scalar = 0.001, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8,
                weightDecay: Scalar = 0.01) {
        adam = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        self.weightDecay = weightDecay
    }

    /// One step (see the type's equations).
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "AdamW")
        let decay = 1 - adam.learningRate * weightDecay
        for p in parameters { p.value = p.value.map { $0 * decay } }
        adam.update(parameters, along: gradients)
    }
}

/// RMSprop (PyTorch's formulation, α = 0.99, ε = 1e−8):
///
///     v ← α·v + (1 − α)·g²;   θ ← θ − η·g / (√v + ε)
public struct RMSprop<Scalar: TensorScalar>: Optimizer {
    /// η.
    public var learningRate: Scalar
    /// α, the decay of the squared-gradient average.
    public var alpha: Scalar
    /// ε.
    public var epsilon: Scalar
    /// v for each parameter (empty until the first step).
    public private(set) var averages: [Tensor<Scalar>] = []

    /// An optimiser with PyTorch's defaults unless given.
    public init(learningRate: Scalar = 0.01, alpha: Scalar = 0.99, epsilon: Scalar = 1e-8) {
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
    }

    /// One step (see the type's equations).
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "RMSprop")
        if averages.isEmpty { averages = parameters.map { Tensor(zeros: $0.value.shape) } }
        for (i, (p, g)) in zip(parameters, gradients).enumerated() {
            let v = averages[i].zip(g) { alpha * $0 + (1 - alpha) * $1 * $1 }
            averages[i] = v
            p.value = p.value.zip(g, v) { theta, g, v in theta - learningRate * g / (v.squareRoot() + epsilon) }
        }
    }
}

/// AdaGrad (Duchi et al., 2011; PyTorch's ε = 1e−10):
///
///     s ← s + g²;   θ ← θ − η·g / (√s + ε)
public struct AdaGrad<Scalar: TensorScalar>: Optimizer {
    /// η.
    public var learningRate: Scalar
    /// ε.
    public var epsilon: Scalar
    /// s for each parameter (empty until the first step).
    public private(set) var sums: [Tensor<Scalar>] = []

    /// An optimiser with PyTorch's defaults unless given.
    public init(learningRate: Scalar = 0.01, epsilon: Scalar = 1e-10) {
        self.learningRate = learningRate
        self.epsilon = epsilon
    }

    /// One step (see the type's equations).
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "AdaGrad")
        if sums.isEmpty { sums = parameters.map { Tensor(zeros: $0.value.shape) } }
        for (i, (p, g)) in zip(parameters, gradients).enumerated() {
            let s = sums[i].zip(g) { $0 + $1 * $1 }
            sums[i] = s
            p.value = p.value.zip(g, s) { theta, g, s in theta - learningRate * g / (s.squareRoot() + epsilon) }
        }
    }
}

/// The gradients scaled down so that their global norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`, without its 1e−6):
///
///     ‖g‖ = √(Σᵢ ‖gᵢ‖²);   gᵢ ← gᵢ · min(1, maxNorm / ‖g‖)
///
/// - Returns: the clipped gradients and the norm before clipping.
public func clippedByGlobalNorm<S: TensorScalar>(_ gradients: [Tensor<S>], maxNorm: S) -> (gradients: [Tensor<S>], norm: S) {
    var total: S = 0
    for g in gradients { for x in g.scalars { total += x * x } }
    let norm = total.squareRoot()
    guard norm > maxNorm else { return (gradients, norm) }
    let scale = maxNorm / norm
    return (gradients.map { $0.map { $0 * scale } }, norm)
}

/// A learning rate that changes with the step (from 0), as a multiple of the base rate:
///
///     constant: 1;   step(every: k, factor: γ): γ^⌊t/k⌋
///     cosine(steps: T, floor: f): f + (1 − f)·½(1 + cos(π·min(t, T)/T))
///     warmup(steps: W, then: s): (t + 1)/W for t < W, then s(t − W)
public indirect enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// The rate times γ every k steps.
    case step(every: Int, factor: Double)
    /// A half cosine from the base rate down to `floor` × the base rate over `steps` steps.
    case cosine(steps: Int, floor: Double)
    /// A linear ramp over the first `steps` steps, then `then` (counted from the end of the ramp).
    case warmup(steps: Int, then: LearningRateSchedule)

    /// The multiplier of the base rate at step `t` (from 0).
    public func multiplier(atStep t: Int) -> Double {
        switch self {
        case .constant: return 1
        case .step(let k, let gamma): return Double.pow(gamma, Double(t / Swift.max(k, 1)))
        case .cosine(let total, let floor):
            let progress = Double(Swift.min(t, total)) / Double(Swift.max(total, 1))
            return floor + (1 - floor) * 0.5 * (1 + Double.cos(Double.pi * progress))
        case .warmup(let w, let then):
            return t < w ? Double(t + 1) / Double(w) : then.multiplier(atStep: t - w)
        }
    }
}
