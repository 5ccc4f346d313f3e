// The header of a .npy file: a Python dict literal such as
//
//     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// parsed by a small strict grammar (never evaluated), and written byte for byte as NumPy's
// `np.save` writes it.

/// The three entries of a `.npy` header.
struct NPYHeader: Equatable {
    /// The dtype string, e.g. `"<f4"`.
    var descr: String
    /// Whether the data is stored column-major.
    var fortranOrder: Bool
    /// The dimensions (may be negative here; the reader validates them).
    var shape: [Int]

    /// The dict literal NumPy writes: keys sorted, `repr` values, a trailing `", "`, then room
    /// for the first dimension to grow to 21 digits (`GROWTH_AXIS_MAX_DIGITS`) so that a
    /// writer may append rows in place.
    var literal: String {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let order = fortranOrder ? "True" : "False"
        var text = "{'descr': '\(descr)', 'fortran_order': \(order), 'shape': \(tuple), }"
        if let growing = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(growing).count))
        }
        return text
    }

    /// The bytes from the magic string to the end of the header: format 1.0 if the header fits
    /// its 2-byte length, else 2.0. As in NumPy, the header is padded with spaces and a final
    /// newline so that the data starts at a multiple of 64 bytes.
    var encoded: [UInt8] {
        let text = Array(literal.utf8)
        for (major, lengthBytes) in [(1, 2), (2, 4)] {
            let used = 6 + 2 + lengthBytes + text.count + 1
            let padding = 64 - used % 64
            let length = text.count + padding + 1
            if lengthBytes == 2 && length > Int(UInt16.max) { continue }
            var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [UInt8(major), 0]
            for k in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
            out += text
            out += [UInt8](repeating: 0x20, count: padding)
            out.append(0x0A)
            return out
        }
        preconditionFailure("a header longer than 4 GiB")
    }
}

extension NPYHeader {
    /// Parses the dict literal. Spacing and key order are free; exactly the keys `descr`,
    /// `fortran_order` and `shape` must occur, once each.
    ///
    /// The grammar (the subset of Python literals NumPy writes):
    ///
    ///     header  = ws "{" ws entry (ws "," ws entry)* [ws ","] ws "}" ws
    ///     entry   = string ws ":" ws value
    ///     value   = string | "True" | "False" | tuple
    ///     tuple   = "(" ws ")" | "(" ws int ws "," ws ")" | "(" ws int (ws "," ws int)+ [ws ","] ws ")"
    ///     string  = "'" printable ASCII except quote and backslash "'"   (or double quotes)
    ///     int     = ["-"] digits ["L"]     (the "L" of Python 2 files is accepted)
    ///
    /// - Throws: a message with the byte position, for ``TensorFileError/Problem/malformedHeader(_:)``;
    ///   a structured dtype (a list as `descr`) is reported as such.
    init(parsing bytes: [UInt8]) throws(NPYHeaderFailure) {
        var p = NPYLiteralScanner(bytes: bytes)
        var descr: String?, fortran: Bool?, shape: [Int]?
        try p.expect("{")
        while true {
            p.skipSpace()
            if p.peek(is: "}") { break }
            let keyAt = p.i
            let key = try p.string()
            try p.expect(":")
            switch key {
            case "descr" where descr == nil:
                p.skipSpace()
                if p.peek(is: "[") { throw .structuredDType }
                descr = try p.string()
            case "fortran_order" where fortran == nil: fortran = try p.bool()
            case "shape" where shape == nil: shape = try p.tuple()
            case "descr", "fortran_order", "shape": throw p.fail("key '\(key)' occurs twice", at: keyAt)
            default:
                throw p.fail("unexpected key '\(key)' (a header has exactly 'descr', 'fortran_order' and 'shape')", at: keyAt)
            }
            p.skipSpace()
            if p.peek(is: "}") { break }
            guard p.peek(is: ",") else { throw p.fail("expected ',' or '}', found \(p.describeNext())", at: p.i) }
            p.i += 1
        }
        try p.expect("}")
        p.skipSpace()
        if p.i != bytes.count { throw p.fail("unexpected \(p.describeNext()) after the dictionary", at: p.i) }
        guard let descr, let fortran, let shape else {
            let missing = [("descr", descr == nil), ("fortran_order", fortran == nil), ("shape", shape == nil)]
                .filter(\.1).map { "'\($0.0)'" }.joined(separator: ", ")
            throw .malformed("missing key \(missing)")
        }
        self.init(descr: descr, fortranOrder: fortran, shape: shape)
    }
}

/// Why a header did not parse.
enum NPYHeaderFailure: Error {
    /// Not the grammar; the message says where.
    case malformed(String)
    /// `descr` is a list of fields: a structured array.
    case structuredDType
}

/// A cursor over the header's bytes with the grammar's terminals.
struct NPYLiteralScanner {
    let bytes: [UInt8]
    var i = 0

    func fail(_ message: String, at position: Int) -> NPYHeaderFailure {
        .malformed("\(message) at byte \(position) of the header")
    }

    func describeNext() -> String {
        guard i < bytes.count else { return "end of header" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    func peek(is c: Character) -> Bool { i < bytes.count && bytes[i] == c.asciiValue! }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ c: Character) throws(NPYHeaderFailure) {
        skipSpace()
        guard peek(is: c) else { throw fail("expected '\(c)', found \(describeNext())", at: i) }
        i += 1
    }

    mutating func string() throws(NPYHeaderFailure) -> String {
        skipSpace()
        guard i < bytes.count, bytes[i] == 0x27 || bytes[i] == 0x22 else {
            throw fail("expected a quoted string, found \(describeNext())", at: i)
        }
        let quote = bytes[i], start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != quote {
            guard bytes[j] >= 0x20, bytes[j] < 0x7F, bytes[j] != 0x5C else {
                throw fail("a string may hold only printable ASCII without escapes", at: j)
            }
            j += 1
        }
        guard j < bytes.count else { throw fail("unterminated string", at: i) }
        i = j + 1
        return String(decoding: bytes[start..<j], as: UTF8.self)
    }

    mutating func bool() throws(NPYHeaderFailure) -> Bool {
        skipSpace()
        for (word, value) in [("True", true), ("False", false)] {
            let w = Array(word.utf8)
            if i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w {
                i += w.count
                return value
            }
        }
        throw fail("expected True or False, found \(describeNext())", at: i)
    }

    mutating func tuple() throws(NPYHeaderFailure) -> [Int] {
        try expect("(")
        var dims = [Int]()
        var trailingComma = false
        while true {
            skipSpace()
            if peek(is: ")") { break }
            dims.append(try int())
            skipSpace()
            trailingComma = peek(is: ",")
            if trailingComma { i += 1 } else { break }
        }
        try expect(")")
        if dims.count == 1 && !trailingComma { throw fail("a one-element tuple needs a trailing comma, as in (3,)", at: i - 1) }
        return dims
    }

    mutating func int() throws(NPYHeaderFailure) -> Int {
        let start = i
        let negative = peek(is: "-")
        if negative { i += 1 }
        let digitsStart = i
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
        let digits = bytes[digitsStart..<i]
        guard !digits.isEmpty, digits.count == 1 || digits.first != 0x30 else {
            throw fail("expected an integer, found \(describeNext())", at: start)
        }
        guard let magnitude = Int(String(decoding: digits, as: UTF8.self)) else {
            throw fail("dimension does not fit in a \(Int.bitWidth)-bit integer", at: start)
        }
        if peek(is: "L") { i += 1 }
        return negative ? -magnitude : magnitude
    }
}
