import Autodiff
import Tensors

/// Whether a model is being trained or evaluated: dropout and batch norm behave differently.
public enum LayerMode: Sendable, Equatable {
    /// Training: dropout drops, batch norm normalises by the batch's statistics and updates
    /// its running ones.
    case training
    /// Evaluation: dropout is the identity, batch norm uses its running statistics.
    case evaluation
}

/// A layer that behaves differently in training and in evaluation (``Dropout``, ``BatchNorm``).
///
/// ``Layer/setMode(_:)`` on a model sets `mode` on every such layer inside it, found by
/// reflection; a new layer starts in ``LayerMode/training``, as PyTorch's modules do.
public protocol ModeDependentLayer: AnyObject {
    /// The current mode.
    var mode: LayerMode { get set }
}

extension Layer {
    /// The layers directly inside this one, found among its stored properties (see
    /// ``Layer/namedParameters``), in declaration order.
    public var sublayers: [any Layer<Scalar>] {
        reflectedMembers().compactMap { if case .layer(_, let l) = $0 { l } else { nil } }
    }

    /// This layer and every layer inside it, each once, parents before children (an explicit
    /// stack: no recursion).
    public var allLayers: [any Layer<Scalar>] {
        var result = [any Layer<Scalar>](), seen = Set<ObjectIdentifier>()
        var stack: [any Layer<Scalar>] = [self]
        while let layer = stack.popLast() {
            guard seen.insert(ObjectIdentifier(layer)).inserted else { continue }
            result.append(layer)
            stack += layer.sublayers.reversed()
        }
        return result
    }

    /// Puts every mode-dependent layer of the model (this one and all inside it) in `mode`:
    /// PyTorch's `model.train()` / `model.eval()`. ``Trainer`` calls it around each epoch.
    public func setMode(_ mode: LayerMode) {
        for layer in allLayers { (layer as? any ModeDependentLayer)?.mode = mode }
    }
}
