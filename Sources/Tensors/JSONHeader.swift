// A strict JSON reader and a compact writer for the safetensors header: just enough JSON,
// with every rule checked, no Foundation (JSONSerialization on Linux silently keeps the last
// of duplicate keys and turns large integers into doubles, which a header must not do).

/// A parsed JSON value. Objects keep their members in file order, duplicates included, so
/// the caller can reject duplicates with a precise message; numbers keep their text.
indirect enum JSONValue: Equatable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A short name for messages: "an object", "a string", ….
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number(let text): "the number \(text)"
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    /// The value as a non-negative `Int`, if it is an integer literal that fits.
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }
}

/// A name–value pair of a JSON object.
struct JSONMember: Equatable {
    let key: String
    let value: JSONValue
}

/// A recursive-descent parser over UTF-8 bytes (already validated as UTF-8 by the caller).
struct JSONParser {
    /// The deepest nesting accepted; a header needs 3. Bounds the recursion, so a file of
    /// a million "[" cannot overflow the stack.
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0

    /// The error: a message with the byte position.
    struct Failure: Error {
        /// What was wrong, and where.
        let message: String
    }

    /// Parses a whole document: one value, surrounded only by whitespace.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.value()
        parser.skipWhitespace()
        if parser.i != bytes.count { throw parser.fail("unexpected \(parser.describeNext()) after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ message: String) -> Failure { Failure(message: "\(message) at byte \(i) of the header") }

    private func describeNext() -> String {
        guard i < bytes.count else { return "end of header" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))', found \(describeNext())")
        }
        i += 1
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard i < bytes.count else { throw fail("expected a value, found end of header") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth { throw fail("nesting deeper than \(Self.maximumDepth) levels") }
            return bytes[i] == UInt8(ascii: "{") ? try object() : try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value, found \(describeNext())")
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("invalid literal") }
        i += w.count
    }

    private mutating func object() throws(Failure) -> JSONValue {
        i += 1  // "{"
        var members = [JSONMember]()
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw fail("expected a member name in quotes, found \(describeNext())")
            }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            members.append(JSONMember(key: key, value: try value()))
            skipWhitespace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            try expect(UInt8(ascii: ","))
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        i += 1  // "["
        var elements = [JSONValue]()
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(elements)
            }
            try expect(UInt8(ascii: ","))
        }
    }

    private mutating func number() throws(Failure) -> String {
        let start = i
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let leading = i
        if digits() == 0 { throw fail("invalid number") }
        if bytes[leading] == UInt8(ascii: "0"), i - leading > 1 { throw fail("number with a leading zero") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { throw fail("invalid number") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { throw fail("invalid number") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func string() throws(Failure) -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case 0..<0x20: throw fail("unescaped control character 0x\(String(b, radix: 16)) in a string")
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: String(try unicodeEscape()).utf8)
                default: throw fail("invalid escape")
                }
            default: out.append(b)
            }
        }
    }

    /// The scalar of a `\uXXXX` escape (the `\u` consumed), joining a surrogate pair.
    private mutating func unicodeEscape() throws(Failure) -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800..<0xDC00).contains(high) {
            guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw fail("unpaired surrogate") }
        return scalar
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count, bytes[i..<i + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
        else {
            throw fail("invalid \\u escape")
        }
        i += 4
        return v
    }
}

enum JSONWriter {
    /// A JSON string literal, escaped as serde_json (the safetensors reference) escapes it:
    /// `"` and `\`, the short escapes for control characters that have one, `\u00xx` for the
    /// rest; everything else, non-ASCII included, as UTF-8.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let h = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
