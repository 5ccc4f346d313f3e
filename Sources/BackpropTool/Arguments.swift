import Foundation

/// A command-line mistake: printed with the usage, exit status 2.
struct ArgumentError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// `--name value` and `--name=value` options, parsed by hand (no packages), checked against
/// the flags a command accepts.
struct Options {
    private var values: [String: String] = [:]

    /// Parses `arguments`; every flag must be in `allowed` and have a value.
    init(_ arguments: [String], allowed: Set<String>) throws(ArgumentError) {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ArgumentError("unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2)), value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard allowed.contains(name) else { throw ArgumentError("unknown option '--\(name)'") }
            if value == nil {
                i += 1
                guard i < arguments.count else { throw ArgumentError("--\(name) needs a value") }
                value = arguments[i]
            }
            values[name] = value
            i += 1
        }
    }

    /// A string option, optionally restricted to `choices`.
    func string(_ name: String, default fallback: String, choices: [String]? = nil) throws(ArgumentError) -> String {
        guard let v = values[name] else { return fallback }
        if let choices, !choices.contains(v) {
            throw ArgumentError("--\(name) must be one of \(choices.joined(separator: ", ")), not '\(v)'")
        }
        return v
    }

    /// An optional string option.
    func string(_ name: String) -> String? { values[name] }

    /// An integer option within `range`.
    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ArgumentError) -> Int {
        guard let v = values[name] else { return fallback }
        guard let n = Int(v), range.contains(n) else {
            throw ArgumentError("--\(name) needs a whole number in \(range.lowerBound)…\(range.upperBound), not '\(v)'")
        }
        return n
    }

    /// A seed: a non-negative 64-bit integer.
    func seed(_ name: String, default fallback: UInt64) throws(ArgumentError) -> UInt64 {
        guard let v = values[name] else { return fallback }
        guard let n = UInt64(v) else { throw ArgumentError("--\(name) needs a non-negative whole number, not '\(v)'") }
        return n
    }

    /// A finite real option within `range`.
    func double(_ name: String, default fallback: Double, in range: ClosedRange<Double>) throws(ArgumentError) -> Double {
        guard let v = values[name] else { return fallback }
        guard let x = Double(v), x.isFinite, range.contains(x) else {
            throw ArgumentError("--\(name) needs a number in \(range.lowerBound)…\(range.upperBound), not '\(v)'")
        }
        return x
    }
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
