import Foundation
import Tensors

// Checkpoints: a model's parameters in a safetensors file, keyed by name (PyTorch's
// `state_dict` in the format `safetensors.torch.save_file` writes). See Docs/FileFormats.md.

/// What went wrong saving or loading a checkpoint.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read, written or decoded (including an element type other than
    /// the model's scalar type).
    case file(TensorFileError)
    /// The model's parameter names cannot key a checkpoint: after numbering repeated names
    /// (see ``Layer/checkpointEntries()``) these still occur twice, or one is the reserved
    /// `"__metadata__"`.
    case invalidNames([String])
    /// The file's tensors do not match the model's parameters; nothing was loaded.
    case mismatch(file: String, missing: [String], unexpected: [String], wrongShapes: [ShapeMismatch])
    /// A parameter holds a NaN or an infinity (training diverged), so the checkpoint was not
    /// written and the file, if any, is unchanged: `index` is the first such element's
    /// position in the parameter's row-major scalars, `value` that element.
    case nonFinite(file: String, parameter: String, index: Int, value: Double)

    /// A parameter whose stored shape differs from the model's.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The parameter's checkpoint name.
        public var name: String
        /// Its shape in the model.
        public var expected: [Int]
        /// Its shape in the file.
        public var found: [Int]

        /// A mismatch for `name`.
        public init(name: String, expected: [Int], found: [Int]) {
            self.name = name
            self.expected = expected
            self.found = found
        }
    }

    /// One paragraph naming the file and every offending parameter.
    public var description: String {
        switch self {
        case .file(let error): return error.description
        case .invalidNames(let names):
            return "parameter names \(Self.list(names)) cannot key a checkpoint: they repeat, or use the reserved "
                + "\"__metadata__\"; give the layer unique names by implementing namedParameters"
        case .mismatch(let file, let missing, let unexpected, let wrongShapes):
            var parts = [String]()
            if !missing.isEmpty { parts.append("missing from the file: \(Self.list(missing))") }
            if !unexpected.isEmpty { parts.append("not in the model: \(Self.list(unexpected))") }
            if !wrongShapes.isEmpty {
                let shapes = wrongShapes.prefix(10).map {
                    "\($0.name) is \($0.found) in the file but \($0.expected) in the model"
                }
                let more = wrongShapes.count > 10 ? " and \(wrongShapes.count - 10) more" : ""
                parts.append("wrong shapes: " + shapes.joined(separator: ", ") + more)
            }
            return "\(file): the checkpoint does not match the model (\(parts.joined(separator: "; "))); nothing was loaded"
        case .nonFinite(let file, let parameter, let index, let value):
            return "\(file): not saved: parameter \"\(parameter)\" holds \(value) at flat index \(index) "
                + "(the training diverged?); the file is unchanged"
        }
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ") + (names.count > 10 ? " and \(names.count - 10) more" : "")
    }
}

extension Layer {
    /// The parameters under the names a checkpoint stores them by, in parameter order.
    ///
    /// The names are ``Layer/namedParameters``' names (`"0.weight"`, `"0.bias"`, … in a
    /// ``Sequential``), with two deterministic adjustments:
    /// - a parameter object that occurs more than once (a shared parameter) is stored once,
    ///   under its first name;
    /// - a name that occurs more than once — possible only when a layer overrides
    ///   `namedParameters` without prefixes (the default already numbers repeats `weight_1`, …)
    ///   — is numbered in order of occurrence: `"weight#0"`, `"bias#0"`, `"weight#1"`, `"bias#1"`.
    ///   Such names depend on the parameter order, so prefer prefixed names (`"hidden.weight"`).
    ///
    /// - Throws: ``CheckpointError/invalidNames(_:)`` if names still collide after numbering,
    ///   or a parameter is named `"__metadata__"`.
    public func checkpointEntries() throws(CheckpointError) -> [(name: String, parameter: Parameter<Scalar>)] {
        var seen = Set<ObjectIdentifier>()
        let unique = namedParameters.filter { seen.insert(ObjectIdentifier($0.parameter)).inserted }
        var occurrences = [String: Int]()
        for entry in unique { occurrences[entry.name, default: 0] += 1 }
        var numbered = [String: Int]()
        let entries = unique.map { entry -> (name: String, parameter: Parameter<Scalar>) in
            guard occurrences[entry.name]! > 1 else { return entry }
            let k = numbered[entry.name, default: 0]
            numbered[entry.name] = k + 1
            return ("\(entry.name)#\(k)", entry.parameter)
        }
        var names = Set<String>()
        let invalid = entries.map(\.name).filter { !names.insert($0).inserted || $0 == "__metadata__" }
        if !invalid.isEmpty { throw .invalidNames(invalid) }
        return entries
    }

    /// The checkpoint's bytes: a safetensors file with one tensor per parameter, keyed by
    /// ``checkpointEntries()``, and `metadata` as its `__metadata__`.
    /// - Throws: ``CheckpointError/invalidNames(_:)``.
    public func checkpointData(metadata: [String: String] = [:]) throws(CheckpointError) -> Data {
        try checkpointFile(metadata: metadata).encoded()
    }

    /// Saves the parameters to `url` as a safetensors file (see ``checkpointData(metadata:)``).
    ///
    /// The write is atomic: the file is replaced whole or not at all, so a crash while saving
    /// never leaves a truncated checkpoint behind. A parameter holding a NaN or an infinity
    /// is refused before anything is written, so a diverged run cannot replace a good
    /// checkpoint (to keep one for inspection, write ``checkpointData(metadata:)`` yourself).
    ///
    ///     try model.saveCheckpoint(to: URL(fileURLWithPath: "model.safetensors"), metadata: ["epoch": "10"])
    ///
    /// - Throws: ``CheckpointError/invalidNames(_:)``; ``CheckpointError/nonFinite(file:parameter:index:value:)``
    ///   naming the first non-finite element; or ``CheckpointError/file(_:)`` if the file cannot
    ///   be written. On any error the previous file, if any, is unchanged.
    /// - Complexity: O(n) in the number of parameter elements, besides the write.
    public func saveCheckpoint(to url: URL, metadata: [String: String] = [:]) throws(CheckpointError) {
        try refuseNonFinite(try stateEntries(), file: url.path)
        let file = try checkpointFile(metadata: metadata)
        do {
            try file.write(to: url)
        } catch {
            throw .file(error)
        }
    }

    /// Loads the parameters saved by ``saveCheckpoint(to:metadata:)`` (or any safetensors file
    /// with the same names), all or nothing.
    ///
    /// Every parameter must be present with the model's shape, and (when `strict`) the file
    /// must hold no other tensors; otherwise the error lists every missing, unexpected and
    /// mis-shaped name, and no parameter is changed. The file's element type must be the
    /// model's scalar type.
    ///
    /// - Parameter strict: when `false`, missing and unexpected names are ignored (as PyTorch's
    ///   `load_state_dict(strict=False)`); shapes must still match.
    /// - Returns: the file's metadata.
    /// - Throws: ``CheckpointError``.
    @discardableResult
    public func loadCheckpoint(from url: URL, strict: Bool = true) throws(CheckpointError) -> [String: String] {
        let file: SafetensorsFile<Scalar>
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw .file(error)
        }
        return try load(file, source: url.path, strict: strict)
    }

    /// Loads parameters from a checkpoint's bytes (see ``checkpointData(metadata:)``), all or
    /// nothing, as the file-reading `loadCheckpoint(from:strict:)` does.
    /// - Returns: the file's metadata.
    @discardableResult
    public func loadCheckpoint(from data: Data, strict: Bool = true) throws(CheckpointError) -> [String: String] {
        let file: SafetensorsFile<Scalar>
        do {
            file = try SafetensorsFile(data: data)
        } catch {
            throw .file(error)
        }
        return try load(file, source: "<data>", strict: strict)
    }

    private func checkpointFile(metadata: [String: String]) throws(CheckpointError) -> SafetensorsFile<Scalar> {
        var tensors = [String: Tensor<Scalar>]()
        for entry in try stateEntries() { tensors[entry.name] = entry.value }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// The checkpoint's parameters, then the buffers (``Layer/namedBuffers``), each once.
    func stateEntries() throws(CheckpointError) -> [StateEntry<Scalar>] {
        var entries = try checkpointEntries().map { StateEntry(name: $0.name, parameter: $0.parameter) }
        var names = Set(entries.map(\.name)), seen = Set<ObjectIdentifier>()
        var invalid = [String]()
        for (name, buffer) in namedBuffers where seen.insert(ObjectIdentifier(buffer)).inserted {
            if !names.insert(name).inserted || name == "__metadata__" { invalid.append(name) }
            entries.append(StateEntry(name: name, buffer: buffer))
        }
        if !invalid.isEmpty { throw .invalidNames(invalid) }
        return entries
    }

    /// Validates everything, then assigns: no parameter changes unless all match.
    private func load(_ file: SafetensorsFile<Scalar>, source: String, strict: Bool) throws(CheckpointError) -> [String: String] {
        try assign(try stateEntries(), from: file.tensors, source: source, strict: strict)
        return file.metadata
    }
}

/// A tensor a checkpoint stores: a parameter's or a buffer's, under its name.
struct StateEntry<Scalar: TensorScalar> {
    /// The key in the file.
    var name: String
    /// The current value, in the file's layout.
    var value: Tensor<Scalar>
    /// Stores a value read from the file (already checked to have `value`'s shape).
    var assign: (Tensor<Scalar>) -> Void

    init(name: String, parameter: Parameter<Scalar>, pyTorch: Bool = false) {
        self.name = name
        let layout = pyTorch ? parameter.pyTorchLayout : .identical
        value = layout.pyTorchValue(parameter.value)
        assign = { parameter.value = layout.value(fromPyTorch: $0) }
    }

    init(name: String, buffer: Buffer<Scalar>) {
        self.name = name
        value = buffer.value
        assign = { buffer.value = $0 }
    }
}

/// Throws ``CheckpointError/nonFinite(file:parameter:index:value:)`` for the first entry holding
/// a NaN or an infinity, before anything is written.
func refuseNonFinite<Scalar>(_ entries: [StateEntry<Scalar>], file: String) throws(CheckpointError) {
    for entry in entries {
        if let index = entry.value.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
            throw .nonFinite(file: file, parameter: entry.name, index: index, value: Double(entry.value.scalars[index]))
        }
    }
}

/// Checks every entry against `tensors` (names and shapes), then assigns all of them, or none.
func assign<Scalar>(_ entries: [StateEntry<Scalar>], from tensors: [String: Tensor<Scalar>], source: String,
                    strict: Bool) throws(CheckpointError) {
    let expected = Set(entries.map(\.name))
    let missing = entries.map(\.name).filter { tensors[$0] == nil }
    let unexpected = tensors.keys.filter { !expected.contains($0) }.sorted()
    let wrongShapes = entries.compactMap { entry -> CheckpointError.ShapeMismatch? in
        guard let stored = tensors[entry.name], stored.shape != entry.value.shape else { return nil }
        return CheckpointError.ShapeMismatch(name: entry.name, expected: entry.value.shape, found: stored.shape)
    }
    if !wrongShapes.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
        throw .mismatch(file: source, missing: strict ? missing : [], unexpected: strict ? unexpected : [],
                        wrongShapes: wrongShapes)
    }
    for entry in entries {
        if let stored = tensors[entry.name] { entry.assign(stored) }
    }
}
