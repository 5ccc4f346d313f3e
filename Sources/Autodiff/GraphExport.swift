import Tensors

// Graph export: the part of a tape that an output depends on, as Graphviz DOT text.

extension Tape {
    /// The records `output` depends on, as a Graphviz `digraph`: one node per record (its index,
    /// its op's name as in `Docs/Operators.md`, and its shape), one edge from each input to the
    /// op that read it. Trainable leaves are boxes, constants dashed boxes, operations ellipses;
    /// records an adjoint can flow through are drawn solid, constant subgraphs grey.
    ///
    ///     let dot = tape.graphviz(of: loss, naming: ["W": w, "b": b])
    ///     // $ dot -Tsvg graph.dot > graph.svg
    ///
    /// Records the output does not depend on are left out. The walk is one backwards loop over
    /// the tape (no recursion), so a graph of a million records exports like a small one.
    ///
    /// - Parameters:
    ///   - output: the value whose graph to draw (its record is the graph's sink).
    ///   - names: labels for some variables (parameters, inputs), shown above their index.
    /// - Returns: DOT text, deterministic for a given tape.
    /// - Complexity: O(records up to `output`) time, plus the text.
    public func graphviz(
        of output: Variable<Scalar>, naming names: [String: Variable<Scalar>] = [:],
        file: StaticString = #fileID, line: UInt = #line
    ) -> String {
        if output.tape !== self || names.values.contains(where: { $0.tape !== self }) {
            ShapeError.fail("graphviz", shapes: [output.shape], detail: "a variable belongs to a different tape",
                            file: file, line: line)
        }
        let records = self.records
        let top = output.index
        var needed = [Bool](repeating: false, count: top + 1)
        needed[top] = true
        var i = top
        while i >= 0 {
            if needed[i] { for j in records[i].op.inputs { needed[j] = true } }
            i -= 1
        }
        var labels = [Int: [String]]()
        for (name, v) in names.sorted(by: { $0.key < $1.key }) where v.index <= top { labels[v.index, default: []].append(name) }

        var text = "digraph tape {\n    rankdir=BT;\n    node [fontname=\"Helvetica\", fontsize=11];\n"
        for i in 0...top where needed[i] {
            let r = records[i]
            let shape = storage.pointee.shape(at: i)
            var lines = [String]()
            if let given = labels[i] { lines.append(given.joined(separator: ", ")) }
            let kind: String
            var style: [String]
            switch r.op {
            case .leaf:
                kind = r.needsGradient ? "variable" : "constant"
                style = ["shape=box"] + (r.needsGradient ? [] : ["style=dashed"])
            default:
                kind = r.op.name
                style = ["shape=ellipse"]
            }
            lines.append("#\(i) \(kind)")
            lines.append("\(shape)")
            if !r.needsGradient { style.append("color=grey50, fontcolor=grey40") }
            if i == top { style.append("peripheries=2") }
            let label = lines.map(Self.escapedForDOT).joined(separator: "\\n")
            text += "    n\(i) [label=\"\(label)\", \(style.joined(separator: ", "))];\n"
        }
        for i in 0...top where needed[i] {
            for j in records[i].op.inputs { text += "    n\(j) -> n\(i);\n" }
        }
        text += "}\n"
        return text
    }

    /// Escapes a label for a double-quoted DOT string.
    static func escapedForDOT(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
