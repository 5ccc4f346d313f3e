import Foundation
import Tensors

// PyTorch-layout export and import: the same network's `state_dict`, so a checkpoint moves
// between this library and PyTorch in both directions. See Docs/FileFormats.md.

extension Layer {
    /// The tensors PyTorch's `state_dict()` holds for the same network, in order:
    /// parameters and buffers under torch's names, in torch's layouts.
    ///
    /// - A ``Sequential`` numbers its layers as `nn.Sequential` does: a ``Dense`` with an
    ///   activation is two modules (`nn.Linear`, `nn.ReLU`), so
    ///   `Sequential([Dense(…, .relu), Dense(…)])` gives `"0.weight"`, `"0.bias"`,
    ///   `"2.weight"`, `"2.bias"` (see ``Layer/pyTorchModuleCount``).
    /// - Other layers are named by their stored properties, as ``Layer/namedParameters``
    ///   (overrides of `namedParameters` are not consulted: PyTorch names by attribute).
    /// - A parameter whose ``Parameter/pyTorchLayout`` is ``PyTorchLayout/transposed`` (a
    ///   `Dense` weight, [in, out] here) is exported transposed ([out, in], `nn.Linear`'s).
    public func pyTorchStateDict() -> [(name: String, value: Tensor<Scalar>)] {
        pyTorchEntries().map { ($0.name, $0.value) }
    }

    /// Saves ``pyTorchStateDict()`` to `url` as a safetensors file, atomically; PyTorch loads
    /// it with `model.load_state_dict(safetensors.torch.load_file(path))`. As
    /// ``saveCheckpoint(to:metadata:)``, a NaN or an infinity is refused before anything is written.
    /// - Throws: ``CheckpointError/invalidNames(_:)``, ``CheckpointError/nonFinite(file:parameter:index:value:)``
    ///   or ``CheckpointError/file(_:)``; the previous file, if any, is then unchanged.
    public func savePyTorchCheckpoint(to url: URL, metadata: [String: String] = [:]) throws(CheckpointError) {
        let entries = try checkedPyTorchEntries()
        try refuseNonFinite(entries, file: url.path)
        let file = SafetensorsFile(tensors: Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.value) }),
                                   metadata: metadata)
        do {
            try file.write(to: url)
        } catch {
            throw .file(error)
        }
    }

    /// Loads a PyTorch `state_dict` saved as safetensors (`safetensors.torch.save_file(
    /// model.state_dict(), path)`), all or nothing: names and shapes are PyTorch's (see
    /// ``pyTorchStateDict()``), transposed back where the layouts differ. Element types are
    /// converted to `Scalar` as `load_state_dict` does (a float32 file loads into a Double
    /// model; batch norm's int64 `num_batches_tracked` loads into its buffer).
    /// - Parameter strict: when `false`, missing and unexpected names are ignored.
    /// - Returns: the file's metadata.
    /// - Throws: ``CheckpointError``; on any error no parameter changes.
    @discardableResult
    public func loadPyTorchCheckpoint(from url: URL, strict: Bool = true) throws(CheckpointError) -> [String: String] {
        let file: SafetensorsFile<Scalar>
        do {
            file = try SafetensorsFile(contentsOf: url, convertingElementTypes: true)
        } catch {
            throw .file(error)
        }
        try loadPyTorchStateDict(file.tensors, source: url.path, strict: strict)
        return file.metadata
    }

    /// Loads tensors keyed and laid out as PyTorch's `state_dict()`, all or nothing.
    /// - Throws: ``CheckpointError/mismatch(file:missing:unexpected:wrongShapes:)`` (with
    ///   `source` as the file name) naming every missing, unexpected or mis-shaped tensor.
    public func loadPyTorchStateDict(_ tensors: [String: Tensor<Scalar>], source: String = "<state_dict>",
                                     strict: Bool = true) throws(CheckpointError) {
        try assign(try checkedPyTorchEntries(), from: tensors, source: source, strict: strict)
    }

    private func checkedPyTorchEntries() throws(CheckpointError) -> [StateEntry<Scalar>] {
        let entries = pyTorchEntries()
        var names = Set<String>()
        let invalid = entries.map(\.name).filter { !names.insert($0).inserted || $0 == "__metadata__" }
        if !invalid.isEmpty { throw .invalidNames(invalid) }
        return entries
    }

    /// The walk behind ``pyTorchStateDict()``: each parameter and buffer once, first path wins,
    /// in walk order (a layer's own tensors, then its sub-layers', as `state_dict()`).
    func pyTorchEntries() -> [StateEntry<Scalar>] {
        uniquelyNamed(pyTorchSlots(), identity: \.identity).map { name, slot in
            switch slot {
            case .parameter(let p): StateEntry(name: name, parameter: p, pyTorch: true)
            case .buffer(let b): StateEntry(name: name, buffer: b)
            }
        }
    }

    private func pyTorchSlots() -> [(name: String, StateSlot<Scalar>)] {
        LayerWalk.entering(self) { pyTorchSlotsOnce() } ?? []
    }

    private func pyTorchSlotsOnce() -> [(name: String, StateSlot<Scalar>)] {
        var slots = [(name: String, StateSlot<Scalar>)]()
        func add(_ sub: any Layer<Scalar>, prefix: String) {
            slots += sub.pyTorchSlots().map { ("\(prefix)\($0.name)", $0.1) }
        }
        if let sequential = self as? Sequential<Scalar> {
            var index = 0
            for layer in sequential.layers {
                add(layer, prefix: "\(index).")
                index += layer.pyTorchModuleCount
            }
            return slots
        }
        for member in reflectedMembers() {
            switch member {
            case .parameter(let path, let p): slots.append((path.contains(".") ? path : p.name, StateSlot(p)))
            case .buffer(let path, let b): slots.append((path.contains(".") ? path : b.name, StateSlot(b)))
            case .layer(let path, let layer): add(layer, prefix: "\(path).")
            }
        }
        return slots
    }
}

/// A parameter or a buffer.
enum StateSlot<Scalar: TensorScalar> {
    case parameter(Parameter<Scalar>)
    case buffer(Buffer<Scalar>)

    init(_ p: Parameter<Scalar>) { self = .parameter(p) }
    init(_ b: Buffer<Scalar>) { self = .buffer(b) }

    /// The object's identity (a shared tensor is stored once).
    var identity: ObjectIdentifier {
        switch self {
        case .parameter(let p): ObjectIdentifier(p)
        case .buffer(let b): ObjectIdentifier(b)
        }
    }
}
