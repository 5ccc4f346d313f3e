import Foundation
import Testing

@Suite("Docs/Operators.md covers the op set")
struct OperatorsDocTests {
    @Test("every case of the Op enum has a row in Docs/Operators.md")
    func everyOpDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(contentsOf: root.appendingPathComponent("Sources/Autodiff/Op.swift"), encoding: .utf8)
        let doc = try String(contentsOf: root.appendingPathComponent("Docs/Operators.md"), encoding: .utf8)
        // The names come from the `name` switch: lines like `case .matmul: "matmul"`.
        let names = source.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: "\"")
            guard line.contains("case ."), parts.count >= 2 else { return nil }
            return String(parts[1]).components(separatedBy: "(").first
        }
        #expect(names.count >= 30, "found only \(names.count) op names in Op.swift")
        for name in names {
            #expect(doc.contains("| `\(name)` |"), "Docs/Operators.md has no row for `\(name)`")
        }
    }
}
