import Foundation
import Tensors

// Parameters are found, not listed: a layer's parameters, buffers and sub-layers are read off
// its stored properties by reflection (`Mirror`), as swift-apis and mlx-swift do, so a
// sub-layer nobody listed can no longer be silently frozen. See Docs/Layers.md.

/// One thing a layer holds, found among its stored properties.
enum LayerMember<Scalar: TensorScalar> {
    /// A parameter, under the path it was found at.
    case parameter(path: String, Parameter<Scalar>)
    /// A buffer (state saved with the model, never trained).
    case buffer(path: String, Buffer<Scalar>)
    /// A sub-layer.
    case layer(path: String, any Layer<Scalar>)
}

extension Layer {
    /// The parameters, buffers and sub-layers among the layer's stored properties, in
    /// declaration order (a superclass's first), looking inside optionals, arrays, tuples,
    /// structs and dictionaries (by sorted key). Tensors, strings, numbers, sets and classes
    /// that are not layers are not entered. The walk over nested containers uses an explicit stack.
    func reflectedMembers() -> [LayerMember<Scalar>] {
        var mirrors = [Mirror]()
        var next: Mirror? = Mirror(reflecting: self)
        while let m = next {
            mirrors.append(m)
            next = m.superclassMirror
        }
        var stack = [(path: String, value: Any)]()
        for mirror in mirrors {  // reversed below: the superclass's properties come out first
            for child in mirror.children.reversed() { stack.append((child.label ?? "", child.value)) }
        }
        var members = [LayerMember<Scalar>]()
        while let (path, value) = stack.popLast() {
            if path.hasPrefix("$__lazy_storage_$_") { continue }
            if let p = value as? Parameter<Scalar> {
                members.append(.parameter(path: path, p))
            } else if let b = value as? Buffer<Scalar> {
                members.append(.buffer(path: path, b))
            } else if let l = value as? any Layer<Scalar> {
                if l !== self { members.append(.layer(path: path, l)) }
            } else if !Self.isLeaf(value) {
                let m = Mirror(reflecting: value)
                switch m.displayStyle {
                case .optional:
                    if let wrapped = m.children.first { stack.append((path, wrapped.value)) }
                case .collection:
                    let elements = Array(m.children)
                    guard let first = elements.first, Self.mayHoldMembers(first.value) else { continue }
                    for (i, e) in elements.enumerated().reversed() { stack.append(("\(path).\(i)", e.value)) }
                case .dictionary:  // by key, sorted: a dictionary's own order is not stable
                    let pairs = m.children.compactMap { pair -> (key: String, value: Any)? in
                        let kv = Array(Mirror(reflecting: pair.value).children)
                        return kv.count == 2 ? ("\(kv[0].value)", kv[1].value) : nil
                    }
                    for (key, value) in pairs.sorted(by: { $0.key > $1.key }) { stack.append(("\(path).\(key)", value)) }
                case .struct, .tuple:
                    for (i, c) in m.children.enumerated().reversed() {
                        var label = c.label ?? "\(i)"
                        if label.hasPrefix(".") { label.removeFirst() }
                        stack.append(("\(path).\(label)", c.value))
                    }
                default: continue
                }
            }
        }
        return members
    }

    /// Whether a collection whose first element is `value` is worth entering.
    private static func mayHoldMembers(_ value: Any) -> Bool {
        if value is Parameter<Scalar> || value is Buffer<Scalar> || value is any Layer<Scalar> { return true }
        if isLeaf(value) { return false }
        switch Mirror(reflecting: value).displayStyle {
        case .optional, .collection, .dictionary, .struct, .tuple: return true
        default: return false
        }
    }

    /// Whether reflection should not look inside `value` (it cannot hold a parameter).
    private static func isLeaf(_ value: Any) -> Bool {
        value is Tensor<Float> || value is Tensor<Double> || value is String || value is any Numeric
            || value is Bool || value is any StringProtocol || value is [Int] || value is Size2D
            || value is SeededGenerator
    }

    /// The layer's parameters with names, discovered: a parameter held directly by a stored
    /// property is named by its own ``Parameter/name``; one inside a container by its path
    /// (`"gates.0"`); a sub-layer's parameters by the property's name and the sub-layer's own
    /// ``Layer/namedParameters`` (`"inner.weight"`). A parameter reached twice (shared) is
    /// listed once, at its first path; repeated names get `_1`, `_2`, ….
    func discoveredNamedParameters() -> [(name: String, parameter: Parameter<Scalar>)] {
        discovered(own: { if case .parameter(let path, let p) = $0 { (path.contains(".") ? path : p.name, p) } else { nil } },
                   inside: { $0.namedParameters.map { ($0.name, $0.parameter) } }).map { ($0.name, $0.1) }
    }

    /// The layer's buffers with names, discovered as ``discoveredNamedParameters()`` does.
    func discoveredNamedBuffers() -> [(name: String, buffer: Buffer<Scalar>)] {
        discovered(own: { if case .buffer(let path, let b) = $0 { (path.contains(".") ? path : b.name, b) } else { nil } },
                   inside: { $0.namedBuffers.map { ($0.name, $0.buffer) } }).map { ($0.name, $0.1) }
    }

    /// The walk behind both: the layer's own objects of one kind (`own` picks them out of its
    /// members), then each sub-layer's (`inside`) prefixed by its path, made unique; empty when
    /// the layer is already being walked (Note on cycles at ``LayerWalk``).
    private func discovered<T: AnyObject>(own: (LayerMember<Scalar>) -> (String, T)?,
                                          inside: (any Layer<Scalar>) -> [(String, T)]) -> [(name: String, T)] {
        LayerWalk.entering(self) {
            var found = [(name: String, T)]()
            for member in reflectedMembers() {
                if let entry = own(member) {
                    found.append(entry)
                } else if case .layer(let path, let layer) = member {
                    found += inside(layer).map { ("\(path).\($0.0)", $0.1) }
                }
            }
            return uniquelyNamed(found)
        } ?? []
    }
}

/// Drops repeated objects (first occurrence wins) and numbers repeated names `_1`, `_2`, ….
func uniquelyNamed<T: AnyObject>(_ entries: [(name: String, T)]) -> [(name: String, T)] {
    uniquelyNamed(entries) { ObjectIdentifier($0) }
}

/// Drops entries whose `identity` was seen (first wins) and numbers repeated names `_1`, `_2`, ….
func uniquelyNamed<T>(_ entries: [(name: String, T)], identity: (T) -> ObjectIdentifier) -> [(name: String, T)] {
    var objects = Set<ObjectIdentifier>(), names = Set<String>()
    var result = [(name: String, T)]()
    for (base, object) in entries where objects.insert(identity(object)).inserted {
        var name = base, k = 0
        while names.contains(name) {
            k += 1
            name = "\(base)_\(k)"
        }
        names.insert(name)
        result.append((name, object))
    }
    return result
}

/// The layers being walked on this thread, so that a layer reachable from itself (a parent
/// held by a child) is entered once instead of forever: each walk marks its own layer, and a
/// layer met again while marked contributes nothing.
enum LayerWalk {
    private static let key = "Backprop.NeuralNetworks.LayerWalk"

    private final class Visiting { var layers = Set<ObjectIdentifier>() }

    /// Runs `body` with `layer` marked as being walked, or returns `nil` if it already is.
    static func entering<T>(_ layer: AnyObject, _ body: () -> T) -> T? {
        let dictionary = Thread.current.threadDictionary
        let visiting = (dictionary[key] as? Visiting) ?? {
            let v = Visiting()
            dictionary[key] = v
            return v
        }()
        guard visiting.layers.insert(ObjectIdentifier(layer)).inserted else { return nil }
        defer { visiting.layers.remove(ObjectIdentifier(layer)) }
        return body()
    }
}
