import Autodiff

/// Whether a model is being trained or evaluated: dropout and batch norm behave differently.
public enum LayerMode: Sendable, Equatable {
    /// Training: dropout drops, batch norm uses and updates batch statistics.
    case training
    /// Evaluation: dropout is the identity, batch norm uses its running statistics.
    case evaluation
}

extension Layer {
    /// Puts every mode-dependent layer of the model in `mode` (provisional: no layer depends on it yet).
    public func setMode(_ mode: LayerMode) {}
}
