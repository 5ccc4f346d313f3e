/// What went wrong reading or writing a tensor file (NumPy `.npy` or safetensors).
///
/// Anything read from outside is validated before it is used: a malformed, truncated or
/// hostile file throws one of these, never traps. The description names the file (or
/// `<data>` for bytes in memory), the tensor when there is one, what was found and what was
/// expected:
///
///     model.safetensors: tensor "0.weight": data_offsets [0, 20] span 20 bytes,
///     but shape [2, 3] of F32 needs 24
public struct TensorFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's path, or `"<data>"` when decoding bytes in memory.
    public var file: String
    /// The tensor the problem concerns, in a file that names its tensors (safetensors).
    public var tensor: String?
    /// What was wrong.
    public var problem: Problem

    /// The kinds of problem, each carrying what was found and, where it helps, what was expected.
    public enum Problem: Equatable, Sendable {
        /// The file could not be read (missing, a directory, no permission…); the system's reason.
        case unreadable(reason: String)
        /// The file could not be written; the system's reason. The destination is unchanged.
        case unwritable(reason: String)
        /// The bytes do not start with the NumPy magic string `\x93NUMPY`.
        case notNPY(found: [UInt8])
        /// A `.npy` format version other than 1.0, 2.0 or 3.0.
        case unsupportedVersion(major: Int, minor: Int)
        /// The data ends before a part that must be present.
        case truncated(part: String, needed: Int, available: Int)
        /// A header length beyond the format's safety limit (safetensors: 100,000,000 bytes).
        case headerTooLarge(length: UInt64, limit: Int)
        /// The header is not the dictionary (NPY) or JSON object (safetensors) the format specifies.
        case malformedHeader(String)
        /// An element type this library does not read.
        case unsupportedDType(found: String, supported: [String])
        /// A supported element type that differs from the tensor's `Scalar` (no silent conversion).
        case scalarTypeMismatch(found: String, expected: String)
        /// A shape with a negative dimension or an element count that overflows.
        case invalidShape(shape: [Int], reason: String)
        /// The data section's size differs from what the shape and element type need.
        case dataSizeMismatch(expected: Int, found: Int)
        /// Safetensors data offsets that are out of range, overlapping, unordered or leave gaps.
        case invalidOffsets(String)
        /// A safetensors header naming the same tensor twice.
        case duplicateName
    }

    /// An error about `file`, optionally about one named tensor in it.
    public init(file: String, tensor: String? = nil, problem: Problem) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    /// One line: the file, the tensor if any, then the problem.
    public var description: String {
        let subject = tensor.map { "\(file): tensor \(quoted($0))" } ?? file
        return "\(subject): \(problem.description)"
    }
}

extension TensorFileError.Problem: CustomStringConvertible {
    /// What was wrong and what was expected, without the file name.
    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot read the file (\(reason))"
        case .unwritable(let reason): "cannot write the file (\(reason)); the destination is unchanged"
        case .notNPY(let found):
            "not a NumPy .npy file: it starts with \(hex(found)), not \\x93NUMPY"
                + (found.starts(with: [0x50, 0x4B, 3, 4]) ? " (it is a zip archive: an .npz, which is not supported)" : "")
        case .unsupportedVersion(let major, let minor):
            ".npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)"
        case .truncated(let part, let needed, let available):
            "truncated: \(part) needs \(needed) bytes, but only \(available) remain"
        case .headerTooLarge(let length, let limit):
            "header length \(length) exceeds the limit of \(limit) bytes"
        case .malformedHeader(let detail): "malformed header: \(detail)"
        case .unsupportedDType(let found, let supported):
            "element type \(found) is not supported (supported: \(supported.joined(separator: ", ")))"
        case .scalarTypeMismatch(let found, let expected):
            "holds \(found), but \(expected) was requested; read it with the matching scalar type and "
                + "convert with .converted(to:) if you mean to"
        case .invalidShape(let shape, let reason): "invalid shape \(shape): \(reason)"
        case .dataSizeMismatch(let expected, let found):
            "the data section has \(found) bytes, but the shape and element type need \(expected)"
        case .invalidOffsets(let detail): "invalid data_offsets: \(detail)"
        case .duplicateName: "the name occurs more than once in the header"
        }
    }
}

/// Bytes as `\x..` escapes, for messages about binary data.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return "\"" + bytes.map { "\\x\(digits[Int($0 >> 4)])\(digits[Int($0 & 15)])" }.joined() + "\""
}

/// A name in double quotes, for messages.
func quoted(_ name: String) -> String { "\"\(name)\"" }
