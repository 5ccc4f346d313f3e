import Tensors

/// Updates parameters along their gradients. Optimisers are values: their state (velocities,
/// moments, step count) lives in the value, indexed by the parameters' positions, so the same
/// parameter list must be passed at every step.
public protocol Optimizer<Scalar> {
    /// The scalar type.
    associatedtype Scalar: TensorScalar
    /// η, the step size; a ``LearningRateSchedule`` in ``Trainer`` scales it step by step.
    var learningRate: Scalar { get set }
    /// One step: changes every parameter's value given ∂L/∂θ for each.
    /// - Precondition: one gradient per parameter, of its shape.
    mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>])
}

@inline(__always)
func checkGradients<S>(_ parameters: [Parameter<S>], _ gradients: [Tensor<S>], _ name: String) {
    if !(parameters.count == gradients.count) { fatalError("\(name).update: \(parameters.count) parameters but \(gradients.count) gradients") }
    for (p, g) in zip(parameters, gradients) where p.value.shape != g.shape {
        ShapeError.fail("\(name).update", shapes: [p.value.shape, g.shape],
                        detail: "gradient of \(p.name) has the wrong shape", file: #fileID, line: #line)
    }
}

/// Plain gradient descent, the texts' update:
///
///     θ ← θ − η·∂L/∂θ      (the squared-error text's w ← w + η·δ·y, since δ·y = −∂E/∂w)
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// η.
    public var learningRate: Scalar

    /// An optimiser with learning rate η.
    public init(learningRate: Scalar) { self.learningRate = learningRate }

    /// θ ← θ − η·g.
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "SGD")
        for (p, g) in zip(parameters, gradients) {
            p.value = p.value.zip(g) { $0 - learningRate * $1 }
        }
    }
}

/// Gradient descent with momentum μ, classical or Nesterov (PyTorch's formulation):
///
///     v ← μ·v + g
///     θ ← θ − η·v              (classical)
///     θ ← θ − η·(g + μ·v)      (Nesterov)
public struct Momentum<Scalar: TensorScalar>: Optimizer {
    /// η.
    public var learningRate: Scalar
    /// μ.
    public var momentum: Scalar
    /// Whether to use Nesterov's look-ahead.
    public var nesterov: Bool
    /// v for each parameter (empty until the first step).
    public private(set) var velocities: [Tensor<Scalar>] = []

    /// An optimiser with learning rate η, momentum μ and optionally Nesterov's update.
    public init(learningRate: Scalar, momentum: Scalar = 0.9, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// One step (see the type's equations).
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "Momentum")
        if velocities.isEmpty { velocities = parameters.map { Tensor(zeros: $0.value.shape) } }
        for (i, (p, g)) in zip(parameters, gradients).enumerated() {
            let v = velocities[i].zip(g) { momentum * $0 + $1 }
            velocities[i] = v
            let step = nesterov ? g.zip(v) { $0 + momentum * $1 } : v
            p.value = p.value.zip(step) { $0 - learningRate * $1 }
        }
    }
}

/// Adam (Kingma & Ba, 2015) with the paper's defaults η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e−8:
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     m̂ = m / (1 − β₁ᵗ),     v̂ = v / (1 − β₂ᵗ)
///     θ ← θ − η·m̂ / (√v̂ + ε)
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// η.
    public var learningRate: Scalar
    /// β₁, the first moment's decay.
    public var beta1: Scalar
    /// β₂, the second moment's decay.
    public var beta2: Scalar
    /// ε.
    public var epsilon: Scalar
    /// The number of steps taken, t.
    public private(set) var step = 0
    /// m and v for each parameter (empty until the first step).
    public private(set) var firstMoments: [Tensor<Scalar>] = [], secondMoments: [Tensor<Scalar>] = []

    /// An optimiser with the paper's defaults unless given.
    public init(learningRate: Scalar = 0.001, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One step (see the type's equations).
    public mutating func update(_ parameters: [Parameter<Scalar>], along gradients: [Tensor<Scalar>]) {
        checkGradients(parameters, gradients, "Adam")
        if firstMoments.isEmpty {
            firstMoments = parameters.map { Tensor(zeros: $0.value.shape) }
            secondMoments = firstMoments
        }
        step += 1
        let c1 = 1 - Scalar.pow(beta1, Scalar(step)), c2 = 1 - Scalar.pow(beta2, Scalar(step))
        for (i, (p, g)) in zip(parameters, gradients).enumerated() {
            let m = firstMoments[i].zip(g) { beta1 * $0 + (1 - beta1) * $1 }
            let v = secondMoments[i].zip(g) { beta2 * $0 + (1 - beta2) * $1 * $1 }
            firstMoments[i] = m
            secondMoments[i] = v
            p.value = p.value.zip(m, v) { theta, m, v in theta - learningRate * (m / c1) / ((v / c2).squareRoot() + epsilon) }
        }
    }
}

extension Optimizer {
    /// One step on every parameter of a model, in `model.parameters` order (swift-apis'
    /// `optimizer.update(&model, along: gradients)`):
    ///
    ///     θᵢ ← step(θᵢ, gᵢ)   for each parameter θᵢ of `model`
    ///
    /// - Precondition: one gradient per parameter, of its shape.
    public mutating func update<Model: Layer>(_ model: inout Model, along gradients: [Tensor<Scalar>])
    where Model.Scalar == Scalar {
        update(model.parameters, along: gradients)
    }
}
