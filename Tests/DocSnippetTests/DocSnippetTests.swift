import Foundation
import Testing

// Every ```swift block of README.md and Docs/*.md is compiled and run (Note [Doc snippets]):
// the blocks of one page, in order, form the body of one function in Snippets.swift, which this
// test regenerates from the pages and compares with the committed file — a page edited
// without regenerating fails here, and a page that does not compile fails the build.
//
// A page may give a snippet names it leaves to the reader in an HTML comment just before it,
//     <!-- snippet setup
//     let X = Tensor<Double>(zeros: [4, 3])
//     -->
// which the reader does not see and the test puts before the block. A block after
//     <!-- snippet fresh -->
// starts a new scope (its names may repeat the earlier blocks'). Regenerate with
//     Tests/DocSnippetTests/regenerate.sh

/// The package root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The pages whose snippets are tested, relative to the root, in a fixed order.
func documentedPages() throws -> [String] {
    let docs = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Docs").path)
        .filter { $0.hasSuffix(".md") }.sorted().map { "Docs/\($0)" }
    return ["README.md"] + docs
}

/// One page's blocks as Swift statements, each preceded by its hidden setup and its line.
func snippetBody(of page: String, text: String) -> [String] {
    var out = [String](), setup = [String](), inSetup = false, inBlock = false
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if inBlock {
            if trimmed == "```" { inBlock = false; continue }
            if trimmed.hasPrefix("import ") { continue }   // the generated file imports the modules
            out.append(String(line))
        } else if inSetup {
            if trimmed == "-->" { inSetup = false } else { setup.append(String(line)) }
        } else if trimmed == "<!-- snippet setup" {
            inSetup = true
        } else if trimmed == "<!-- snippet fresh -->" {
            out += ["}", "do {"]
        } else if trimmed == "```swift" {
            inBlock = true
            out.append("// \(page):\(number + 2)")
            out += setup
            setup = []
        }
    }
    return out
}

/// A Swift identifier for a page: `Docs/GettingStarted.md` → `docsGettingStarted`.
func functionName(_ page: String) -> String {
    let parts = page.replacingOccurrences(of: ".md", with: "").split(whereSeparator: { !$0.isLetter && !$0.isNumber })
    return parts.enumerated().map { i, p in i == 0 ? p.lowercased() : p.prefix(1).uppercased() + p.dropFirst() }.joined()
}

/// The whole of Snippets.swift, as the pages say it must be.
func generatedSnippets() throws -> String {
    var pages = [(name: String, body: [String])]()
    for page in try documentedPages() {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(page), encoding: .utf8)
        let body = snippetBody(of: page, text: text)
        if !body.isEmpty { pages.append((page, body)) }
    }
    var s = """
        // Generated from the ```swift blocks of README.md and Docs/*.md by DocSnippetTests.swift: do not edit.
        // Regenerate: Tests/DocSnippetTests/regenerate.sh
        // swift-format-ignore-file
        import Backprop
        import Foundation
        import ReferenceModels

        /// Each documented page's snippets, in order, as one function.
        enum DocSnippets {
            /// The pages and their functions.
            static let pages: [(page: String, run: @Sendable () throws -> Void)] = [

        """
    for p in pages { s += "        (\"\(p.name)\", \(functionName(p.name))),\n" }
    s += "    ]\n"
    for p in pages {
        s += "\n    /// \(p.name)\n    @Sendable static func \(functionName(p.name))() throws {\n        do {\n"
        for line in p.body { s += line.isEmpty ? "\n" : "        \(line)\n" }
        s += "        }\n    }\n"
    }
    return s + "}\n"
}

/// `text` without the `// README.md:62`-style comments that locate each snippet.
private func withoutLocations(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
        let t = line.drop { $0 == " " }
        guard t.hasPrefix("// "), let colon = t.lastIndex(of: ":") else { return true }
        return !(t[t.index(t.startIndex, offsetBy: 3)..<colon].hasSuffix(".md") && t[t.index(after: colon)...].allSatisfy(\.isNumber))
    }
}

@Suite("Every Swift snippet in README and Docs compiles and runs")
struct DocSnippetTests {
    @Test("Snippets.swift is what the pages say (regenerate with Tests/DocSnippetTests/regenerate.sh)")
    func generatedFileIsCurrent() throws {
        let url = packageRoot.appendingPathComponent("Tests/DocSnippetTests/Snippets.swift")
        let expected = try generatedSnippets()
        let committed = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        if committed != expected, ProcessInfo.processInfo.environment["BACKPROP_UPDATE_SNIPPETS"] == "1" {
            try Data(expected.utf8).write(to: url, options: .atomic)
            return
        }
        // A page's code must match; its line numbers (the `// Page.md:N` comments) may drift.
        #expect(withoutLocations(committed) == withoutLocations(expected),
                "a page's snippets changed: run Tests/DocSnippetTests/regenerate.sh")
        #expect(DocSnippets.pages.count >= 5, "found only \(DocSnippets.pages.count) pages with snippets")
    }

    @Test("each page's snippets run without throwing", arguments: DocSnippets.pages.map(\.page))
    func runs(_ page: String) throws {
        try DocSnippets.pages.first { $0.page == page }!.run()
    }
}
