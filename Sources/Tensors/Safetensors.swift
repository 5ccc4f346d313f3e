import Foundation

// The safetensors format (huggingface/safetensors), read and written:
//
//     offset 0   N, an unsigned 64-bit little-endian integer: the header's length in bytes
//            8   the header: N bytes of UTF-8 JSON, an object, padded with spaces
//                { "__metadata__": {"key": "value", …},                          (optional)
//                  "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, … }
//        8 + N   the data: every tensor's elements, row-major, little-endian, at
//                [begin, end) relative to this point; the tensors tile it exactly
//
// See Docs/FileFormats.md.

/// Named tensors of one scalar type with string metadata, as stored in a `.safetensors` file.
///
/// The format of Hugging Face's safetensors library: an 8-byte header length, a JSON header,
/// and the raw little-endian data. Files written here read back with `safetensors.torch` /
/// `safetensors.numpy`, and theirs read here as long as every tensor is `F32` (for
/// `SafetensorsFile<Float>`) or `F64` (for `SafetensorsFile<Double>`).
///
///     let file = SafetensorsFile(tensors: ["w": w, "b": b], metadata: ["epoch": "3"])
///     try file.write(to: url)
///     let back = try SafetensorsFile<Float>(contentsOf: url)
///     back.tensors["w"]   // w, bit for bit
///
/// Output is deterministic: tensors are laid out in the byte order of their names and
/// metadata keys are sorted, so equal contents give equal bytes.
public struct SafetensorsFile<Scalar: TensorScalar>: Equatable, Sendable {
    /// The tensors by name.
    public var tensors: [String: Tensor<Scalar>]
    /// Free-form string metadata (the header's `__metadata__`); empty if the file has none.
    public var metadata: [String: String]

    /// The largest header accepted, as in the reference implementation: 100,000,000 bytes.
    public static var maximumHeaderLength: Int { 100_000_000 }

    /// Named tensors and metadata, to encode or write.
    /// - Precondition (checked when encoding): no tensor is named `"__metadata__"`.
    public init(tensors: [String: Tensor<Scalar>] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The dtype name of this scalar type: `"F32"` or `"F64"`.
    public static var dtype: String { "F\(MemoryLayout<Scalar>.stride * 8)" }

    /// The file's bytes.
    ///
    /// The header is compact JSON as the reference writes it — `__metadata__` first (omitted
    /// when empty), then the tensors in the byte order of their names, each as
    /// `{"dtype":…,"shape":…,"data_offsets":…}` — padded with spaces to a multiple of 8 bytes
    /// so that the data is aligned. The data follows in the same order.
    /// - Complexity: O(total size).
    public func encoded(file: StaticString = #fileID, line: UInt = #line) -> Data {
        if tensors["__metadata__"] != nil {
            preconditionFailure("SafetensorsFile: \"__metadata__\" is reserved and cannot name a tensor", file: file, line: line)
        }
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var entries = [String]()
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { JSONWriter.string($0.key) + ":" + JSONWriter.string($0.value) }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let end = offset + t.count * MemoryLayout<Scalar>.stride
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append(JSONWriter.string(name)
                + ":{\"dtype\":\"\(Self.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var data = Data(capacity: 8 + header.count + offset)
        for k in 0..<8 { data.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(k)))) }
        data.append(contentsOf: header)
        for name in names { ScalarBytes.appendLittleEndian(tensors[name]!.scalars, to: &data) }
        return data
    }

    /// Writes ``encoded(file:line:)`` to `url` atomically: the file is replaced whole or not at all.
    /// - Throws: ``TensorFileError`` with ``TensorFileError/Problem/unwritable(reason:)``; the
    ///   previous file, if any, is then unchanged.
    public func write(to url: URL) throws(TensorFileError) {
        try AtomicWrite.write(encoded(), to: url)
    }

    /// Decodes the bytes of a safetensors file.
    ///
    /// Everything is checked before any tensor is built: the header length against the limit
    /// and the data size; the header as strict JSON (an object starting with `{`, no
    /// duplicate names, at most 32 levels deep); each entry has exactly `dtype`, `shape` and
    /// `data_offsets`; the dtype is this scalar type's; the shape's byte count does not
    /// overflow and equals `end − begin`; and the tensors, in offset order, tile the data
    /// section exactly, with no gap, overlap or trailing bytes.
    /// - Throws: ``TensorFileError`` naming `<data>` and, where it applies, the tensor.
    public init(data: Data) throws(TensorFileError) {
        try self.init(data: data, file: "<data>")
    }

    /// Reads a safetensors file; see ``init(data:)``.
    /// - Throws: ``TensorFileError`` naming the file if it cannot be read or is not valid.
    public init(contentsOf url: URL) throws(TensorFileError) {
        try self.init(data: ScalarBytes.readFile(url), file: url.path)
    }

    /// Reads a safetensors file whose tensors may have other element types, converting each
    /// to `Scalar` as PyTorch's `load_state_dict` copies into a parameter: F16 is not read;
    /// F32, F64, I8, I16, I32, I64, U8 and BOOL are (integers exactly up to 2⁵³ in Double,
    /// 2²⁴ in Float; F64 → Float rounds to nearest). Otherwise as ``init(contentsOf:)``.
    /// - Throws: ``TensorFileError``; an element type outside that list is
    ///   ``TensorFileError/Problem/unsupportedDType(found:supported:)``.
    public init(contentsOf url: URL, convertingElementTypes: Bool) throws(TensorFileError) {
        try self.init(data: ScalarBytes.readFile(url), file: url.path, converting: convertingElementTypes)
    }

    /// Reads a safetensors file's bytes, converting element types when `convertingElementTypes`
    /// (see ``init(contentsOf:convertingElementTypes:)``).
    public init(data: Data, convertingElementTypes: Bool) throws(TensorFileError) {
        try self.init(data: data, file: "<data>", converting: convertingElementTypes)
    }

    /// The element types ``init(contentsOf:convertingElementTypes:)`` converts, with their sizes.
    static var convertibleDTypes: [String: Int] {
        ["F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4, "I64": 8, "U8": 1, "BOOL": 1]
    }

    /// A tensor's entry in the header, validated.
    private struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let elements: Int
        let begin: Int
        let end: Int
    }

    private init(data: Data, file: String, converting: Bool = false) throws(TensorFileError) {
        func failure(_ problem: TensorFileError.Problem, tensor: String? = nil) -> TensorFileError {
            TensorFileError(file: file, tensor: tensor, problem: problem)
        }
        if data.count < 8 { throw failure(.truncated(part: "the 8-byte header length", needed: 8, available: data.count)) }
        let length = ScalarBytes.littleEndianInteger(data, at: 0, width: 8)
        if length > UInt64(Self.maximumHeaderLength) {
            throw failure(.headerTooLarge(length: length, limit: Self.maximumHeaderLength))
        }
        let headerLength = Int(length)
        if data.count - 8 < headerLength {
            throw failure(.truncated(part: "the header", needed: headerLength, available: data.count - 8))
        }
        let headerBytes = ScalarBytes.bytes(data, 8..<8 + headerLength)
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw failure(.malformedHeader("the header must start with '{'"))
        }
        guard String(bytes: headerBytes, encoding: .utf8) != nil else {
            throw failure(.malformedHeader("the header is not valid UTF-8"))
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(headerBytes)
        } catch {
            throw failure(.malformedHeader(error.message))
        }
        guard case .object(let members) = root else { throw failure(.malformedHeader("the header is not a JSON object")) }

        var metadata = [String: String]()
        var entries = [Entry]()
        var seen = Set<String>()
        for member in members {
            guard seen.insert(member.key).inserted else { throw failure(.duplicateName, tensor: member.key) }
            if member.key == "__metadata__" {
                metadata = try Self.metadata(member.value, file: file)
            } else {
                entries.append(try Self.entry(member, file: file, converting: converting))
            }
        }

        // The tensors must tile the data section: sorted by offsets, each begins where the
        // previous ended, the first at 0 and the last at the end of the file.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        let dataStart = 8 + headerLength
        let dataLength = data.count - dataStart
        var position = 0
        for e in entries {
            if e.begin != position {
                let what = e.begin < position
                    ? "overlaps the previous tensor, which ends" : "leaves a gap after the previous tensor, which ends"
                throw failure(.invalidOffsets("begins at \(e.begin) and \(what) at \(position)"), tensor: e.name)
            }
            if e.end > dataLength {
                let part = "the tensor's data [\(e.begin), \(e.end))"
                let available = max(0, dataLength - e.begin)
                throw failure(.truncated(part: part, needed: e.end - e.begin, available: available), tensor: e.name)
            }
            position = e.end
        }
        if position != dataLength {
            throw failure(.dataSizeMismatch(expected: position, found: dataLength))
        }
        var tensors = [String: Tensor<Scalar>]()
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let scalars: [Scalar] = e.dtype == Self.dtype
                ? ScalarBytes.decode(data, at: dataStart + e.begin, count: e.elements, bigEndian: false)
                : Self.converted(data, at: dataStart + e.begin, count: e.elements, dtype: e.dtype)
            tensors[e.name] = Tensor(uncheckedShape: e.shape, scalars: scalars)
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    /// `count` little-endian elements of `dtype` (one of ``convertibleDTypes``) at `offset`, as `Scalar`.
    private static func converted(_ data: Data, at offset: Int, count: Int, dtype: String) -> [Scalar] {
        let size = convertibleDTypes[dtype]!
        return (0..<count).map { i in
            let bits = ScalarBytes.littleEndianInteger(data, at: offset + i * size, width: size)
            switch dtype {
            case "F32": return Scalar(Double(Float(bitPattern: UInt32(bits))))
            case "F64": return Scalar(Double(bitPattern: bits))
            case "I8": return Scalar(Double(Int8(truncatingIfNeeded: bits)))
            case "I16": return Scalar(Double(Int16(truncatingIfNeeded: bits)))
            case "I32": return Scalar(Double(Int32(truncatingIfNeeded: bits)))
            case "I64": return Scalar(Double(Int64(bitPattern: bits)))
            default: return Scalar(Double(bits))  // U8, BOOL
            }
        }
    }

    /// The `__metadata__` object: strings to strings.
    private static func metadata(_ value: JSONValue, file: String) throws(TensorFileError) -> [String: String] {
        func fail(_ message: String) -> TensorFileError { TensorFileError(file: file, problem: .malformedHeader(message)) }
        guard case .object(let members) = value else {
            throw fail("__metadata__ is \(value.kind), not an object of strings")
        }
        var out = [String: String]()
        for m in members {
            guard case .string(let s) = m.value else {
                throw fail("__metadata__[\(quoted(m.key))] is \(m.value.kind), not a string")
            }
            guard out.updateValue(s, forKey: m.key) == nil else {
                throw fail("__metadata__ has the key \(quoted(m.key)) twice")
            }
        }
        return out
    }

    /// A tensor's entry: exactly `dtype` (ours), `shape` and `data_offsets`, consistent.
    private static func entry(_ member: JSONMember, file: String, converting: Bool) throws(TensorFileError) -> Entry {
        func fail(_ problem: TensorFileError.Problem) -> TensorFileError {
            TensorFileError(file: file, tensor: member.key, problem: problem)
        }
        guard case .object(let fields) = member.value else {
            throw fail(.malformedHeader("the entry is \(member.value.kind), not an object"))
        }
        var dtype: String?, shape: [Int]?, offsets: [Int]?
        for f in fields {
            switch f.key {
            case "dtype" where dtype == nil:
                guard case .string(let s) = f.value else {
                    throw fail(.malformedHeader("dtype is \(f.value.kind), not a string"))
                }
                dtype = s
            case "shape" where shape == nil, "data_offsets" where offsets == nil:
                guard case .array(let items) = f.value else {
                    throw fail(.malformedHeader("\(f.key) is \(f.value.kind), not an array of integers"))
                }
                var ints = [Int]()
                for item in items {
                    guard let n = item.nonNegativeInt else {
                        throw fail(.malformedHeader("\(f.key) holds \(item.kind), not a non-negative integer that fits in Int"))
                    }
                    ints.append(n)
                }
                if f.key == "shape" { shape = ints } else { offsets = ints }
            case "dtype", "shape", "data_offsets": throw fail(.malformedHeader("\(f.key) occurs twice"))
            default: throw fail(.malformedHeader("unexpected field \(quoted(f.key)) (expected dtype, shape and data_offsets)"))
            }
        }
        guard let dtype, let shape, let offsets else {
            let missing = [("dtype", dtype == nil), ("shape", shape == nil), ("data_offsets", offsets == nil)]
                .filter(\.1).map(\.0).joined(separator: ", ")
            throw fail(.malformedHeader("missing \(missing)"))
        }
        let elementSize: Int
        if dtype == Self.dtype {
            elementSize = MemoryLayout<Scalar>.stride
        } else if converting {
            guard let size = convertibleDTypes[dtype] else {
                throw fail(.unsupportedDType(found: dtype, supported: convertibleDTypes.keys.sorted()))
            }
            elementSize = size
        } else {
            if dtype == "F32" || dtype == "F64" { throw fail(.scalarTypeMismatch(found: dtype, expected: Self.dtype)) }
            throw fail(.unsupportedDType(found: dtype, supported: ["F32", "F64"]))
        }
        guard offsets.count == 2 else {
            throw fail(.invalidOffsets("\(offsets) is not a pair [begin, end]"))
        }
        guard offsets[0] <= offsets[1] else {
            throw fail(.invalidOffsets("begin \(offsets[0]) is after end \(offsets[1])"))
        }
        let counts: (elements: Int, bytes: Int)
        switch ScalarBytes.counts(of: shape, elementSize: elementSize) {
        case .success(let c): counts = c
        case .failure(let invalid): throw fail(.invalidShape(shape: shape, reason: invalid.reason))
        }
        if offsets[1] - offsets[0] != counts.bytes {
            let span = offsets[1] - offsets[0]
            throw fail(.invalidOffsets("\(offsets) span \(span) bytes, but shape \(shape) of \(dtype) needs \(counts.bytes)"))
        }
        return Entry(name: member.key, dtype: dtype, shape: shape, elements: counts.elements, begin: offsets[0], end: offsets[1])
    }
}
