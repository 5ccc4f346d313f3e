import Tensors

// Graph export as a picture: the part of a tape that an output depends on, drawn as SVG by our
// own layered layout (GraphLayout.swift) — no Graphviz needed to look at it.

extension Tape {
    /// The records `output` depends on, drawn as an SVG picture: layers from the inputs at the
    /// bottom to `output` at the top, one box per record (the given names, `#index` and the
    /// op's name as in `Docs/Operators.md`, the shape), one arrow from each input to the op
    /// that read it, entering the op's box left to right in argument order.
    ///
    ///     let svg = tape.svg(of: loss, naming: ["W": w, "b": b])
    ///     // open it in a browser; `backprop graph --output g.svg` writes one from the command line
    ///
    /// Trainable leaves are square boxes, constants dashed boxes, operations rounded boxes;
    /// records no adjoint reaches are grey, and `output` is outlined in red. When `output` has
    /// one element, each named record an adjoint reaches also shows the norm of its adjoint,
    /// ‖∂output/∂v‖ (from ``gradient(of:wrt:seed:file:line:)``).
    ///
    /// Note [Bounded pictures]: a tape of a million records cannot be drawn usefully, so at most
    /// `maximumNodeCount` records are: those nearest `output` (breadth first from it, inputs in
    /// argument order). The picture then says how many it left out ("… N earlier records not
    /// drawn"), and a box whose inputs were left out carries a dashed stub marked "+k".
    ///
    /// The layout is Sugiyama's: layers by longest path (tape order is already topological),
    /// dummy nodes on long edges, barycentre crossing reduction, then x coordinates by a
    /// least-squares fit per layer. Every loop is iterative and every order is fixed by record
    /// indices, so the same tape gives the same bytes.
    ///
    /// - Parameters:
    ///   - output: the value whose graph to draw (the top box).
    ///   - names: labels for some variables (parameters, inputs, intermediates).
    ///   - maximumNodeCount: the most records drawn (Note [Bounded pictures]); at least 1.
    /// - Returns: a standalone SVG 1.1 document, deterministic for a given tape.
    /// - Complexity: O(records up to `output`) to find the graph (plus one reverse pass for the
    ///   norms), then O(k log k) for the k ≤ `maximumNodeCount` records drawn and their dummies.
    public func svg(
        of output: Variable<Scalar>, naming names: [String: Variable<Scalar>] = [:], maximumNodeCount: Int = 300,
        file: StaticString = #fileID, line: UInt = #line
    ) -> String {
        if output.tape !== self || names.values.contains(where: { $0.tape !== self }) {
            ShapeError.fail("svg", shapes: [output.shape], detail: "a variable belongs to a different tape",
                            file: file, line: line)
        }
        if maximumNodeCount < 1 {
            ShapeError.fail("svg", shapes: [], detail: "maximumNodeCount must be at least 1, not \(maximumNodeCount)",
                            file: file, line: line)
        }
        let records = self.records
        let top = output.index
        // Everything the output depends on (as in graphviz(of:)), counted …
        var needed = [Bool](repeating: false, count: top + 1)
        needed[top] = true
        var neededCount = 0
        for i in stride(from: top, through: 0, by: -1) where needed[i] {
            neededCount += 1
            for j in records[i].op.inputs { needed[j] = true }
        }
        // … and the nearest of it kept, breadth first from the output.
        var local = [Int](repeating: -1, count: top + 1)
        var queue = [top]
        local[top] = 0
        var head = 0
        while head < queue.count && queue.count < maximumNodeCount {
            for j in records[queue[head]].op.inputs where local[j] < 0 && queue.count < maximumNodeCount {
                local[j] = 0
                queue.append(j)
            }
            head += 1
        }
        let kept = queue.sorted()
        for (k, i) in kept.enumerated() { local[i] = k }
        var inputs = [[Int]](), elided = [Int]()
        for i in kept {
            let all = records[i].op.inputs
            inputs.append(all.compactMap { local[$0] >= 0 ? local[$0] : nil })
            elided.append(all.count - inputs[inputs.count - 1].count)
        }

        var labels = [Int: [String]]()
        for (name, v) in names.sorted(by: { $0.key < $1.key }) where v.index <= top && local[v.index] >= 0 {
            labels[v.index, default: []].append(name)
        }
        var norms = [Int: Double]()
        if output.value.count == 1 {
            let wanted = labels.keys.sorted().filter { records[$0].needsGradient }
            let adjoints = wanted.isEmpty ? []
                : gradient(of: output, wrt: wanted.map { Variable(tape: self, index: $0) }, file: file, line: line)
            for (i, g) in zip(wanted, adjoints) {
                norms[i] = g.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
        }

        let boxes = kept.map { i in
            let r = records[i]
            let kind = if case .leaf = r.op { r.needsGradient ? "variable" : "constant" } else { r.op.name }
            return SVGNodeBox(record: i, names: labels[i]?.joined(separator: ", "), kind: kind,
                              shape: "\(storage.pointee.shape(at: i))", norm: norms[i], isLeaf: r.op.inputs.isEmpty,
                              needsGradient: r.needsGradient, isOutput: i == top, elidedInputs: elided[local[i]])
        }
        return SVGGraphDrawing(boxes: boxes, inputs: inputs, omitted: neededCount - kept.count).document
    }
}

/// What one record's box shows, and how it is styled.
struct SVGNodeBox {
    let record: Int
    let names: String?
    let kind: String
    let shape: String
    let norm: Double?
    let isLeaf: Bool
    let needsGradient: Bool
    let isOutput: Bool
    let elidedInputs: Int

    /// The text lines, each with its font size and weight.
    var lines: [(text: String, size: Double, bold: Bool)] {
        var lines = [(String, Double, Bool)]()
        if let names { lines.append((names, 11, true)) }
        lines.append(("#\(record) \(kind)", 11, isOutput && names == nil))
        lines.append((shape, 10, false))
        if let norm { lines.append(("‖adjoint‖ = \(SVGText.significant(norm))", 10, false)) }
        return lines
    }

    var width: Double { Swift.max(44, lines.map { SVGText.width($0.text, size: $0.size, bold: $0.bold) }.max()! + 20) }
    var height: Double { Double(lines.count) * 14 + 10 }
}

/// The SVG text of a laid-out graph.
struct SVGGraphDrawing {
    let boxes: [SVGNodeBox]
    let inputs: [[Int]]
    let omitted: Int

    static let margin = 20.0, rowGap = 40.0, lineHeight = 14.0
    static let ink = "#333333", grey = "#9a9a9a", red = "#c0392b"

    var document: String {
        let layout = LayeredLayout(inputs: inputs, widths: boxes.map(\.width))
        let heights = boxes.map(\.height)
        // Rows from the top layer down, each as tall as its tallest box.
        var rowHeight = [Double](repeating: Self.lineHeight, count: layout.layerCount)
        for v in boxes.indices { rowHeight[layout.layer[v]] = Swift.max(rowHeight[layout.layer[v]], heights[v]) }
        let header = omitted > 0 ? 76.0 : 58.0
        var centreY = [Double](repeating: 0, count: layout.layerCount)
        var y = Self.margin + header
        for l in stride(from: layout.layerCount - 1, through: 0, by: -1) {
            centreY[l] = y + rowHeight[l] / 2
            y += rowHeight[l] + Self.rowGap
        }
        let legend = Self.legend(x: Self.margin, y: Self.margin + 26)
        let heading = "Tape graph of #\(boxes.last!.record) \(boxes.last!.kind): \(boxes.count) records"
        let width = (Swift.max(layout.extent, legend.width, SVGText.width(heading, size: 13, bold: true)) + 2 * Self.margin)
            .rounded(.up)
        let height = (y - Self.rowGap + Self.margin + 14).rounded(.up)
        let f = SVGText.number
        func x(_ v: Int) -> Double { layout.x[v] + Self.margin }
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, 'Liberation Sans', sans-serif" font-size="11">
            <title>\(SVGText.escaped(heading))</title>
            <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">\
            <path d="M0,1 L9,5 L0,9 z" fill="\(Self.ink)"/></marker>
            <marker id="arrow-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">\
            <path d="M0,1 L9,5 L0,9 z" fill="\(Self.grey)"/></marker>
            </defs>
            <rect class="background" width="100%" height="100%" fill="#ffffff"/>
            <text class="heading" x="\(f(Self.margin))" y="\(f(Self.margin + 12))" font-size="13" font-weight="bold">\
            \(SVGText.escaped(heading))</text>

            """
        s += legend.text
        if omitted > 0 {
            s += "<text class=\"note\" x=\"\(f(Self.margin))\" y=\"\(f(Self.margin + 60))\" fill=\"\(Self.red)\">"
                + "… \(SVGText.grouped(omitted)) earlier records not drawn (the \(boxes.count) nearest the output are)</text>\n"
        }
        // Edges first, so that boxes cover their ends.
        s += "<g class=\"edges\" fill=\"none\" stroke-width=\"1.2\">\n"
        for (v, sources) in inputs.enumerated() {
            let b = boxes[v]
            let spacing = sources.count > 1 ? Swift.min(14, (b.width - 16) / Double(sources.count - 1)) : 0
            for (k, u) in sources.enumerated() {
                var points = [(x(u), centreY[layout.layer[u]] - heights[u] / 2)]
                for d in layout.routes[v][k] { points.append((x(d), centreY[layout.layer[d]])) }
                let port = x(v) + (Double(k) - Double(sources.count - 1) / 2) * spacing
                points.append((port, centreY[layout.layer[v]] + heights[v] / 2))
                var d = "M\(f(points[0].0)),\(f(points[0].1))"
                for (p, q) in zip(points, points.dropFirst()) {
                    let mid = (p.1 + q.1) / 2
                    d += " C\(f(p.0)),\(f(mid)) \(f(q.0)),\(f(mid)) \(f(q.0)),\(f(q.1))"
                }
                let colour = boxes[u].needsGradient ? Self.ink : Self.grey
                s += "<path class=\"edge\" data-from=\"\(boxes[u].record)\" data-to=\"\(b.record)\" d=\"\(d)\" "
                    + "stroke=\"\(colour)\" marker-end=\"url(#arrow\(boxes[u].needsGradient ? "" : "-grey"))\"/>\n"
            }
        }
        s += "</g>\n<g class=\"nodes\">\n"
        for (v, b) in boxes.enumerated() {
            s += node(b, x: x(v), y: centreY[layout.layer[v]], layer: layout.layer[v])
        }
        s += "</g>\n</svg>\n"
        return s
    }

    /// One record's box: a group with a tooltip, the rectangle and the text lines.
    func node(_ b: SVGNodeBox, x: Double, y: Double, layer: Int) -> String {
        let f = SVGText.number
        let (left, top) = (x - b.width / 2, y - b.height / 2)
        let kind = b.isLeaf ? (b.needsGradient ? "variable" : "constant") : "operation"
        let stroke = b.isOutput ? Self.red : (b.needsGradient ? Self.ink : Self.grey)
        let fill = !b.needsGradient ? "#f3f3f3" : (b.isLeaf ? "#e6efff" : "#fff8e7")
        var style = "fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(b.isOutput ? 3 : 1.2)\""
        if !b.isLeaf { style += " rx=\"10\"" }
        if b.isLeaf && !b.needsGradient { style += " stroke-dasharray=\"4 3\"" }
        let lines = b.lines
        var s = "<g class=\"node\" id=\"n\(b.record)\" data-record=\"\(b.record)\" data-layer=\"\(layer)\" data-kind=\"\(kind)\">"
        s += "<title>\(SVGText.escaped(lines.map(\.text).joined(separator: "  ")))</title>\n"
        s += "<rect class=\"box\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(b.width))\" height=\"\(f(b.height))\" \(style)/>\n"
        s += "<text text-anchor=\"middle\" fill=\"\(b.needsGradient ? "#1a1a1a" : "#666666")\">"
        for (i, l) in lines.enumerated() {
            let baseline = top + 5 + Self.lineHeight * Double(i + 1) - 3
            s += "<tspan x=\"\(f(x))\" y=\"\(f(baseline))\""
                + (l.size != 11 ? " font-size=\"\(f(l.size))\"" : "") + (l.bold ? " font-weight=\"bold\"" : "")
                + ">\(SVGText.escaped(l.text))</tspan>"
        }
        s += "</text>\n"
        if b.elidedInputs > 0 {
            let bottom = top + b.height
            s += "<g class=\"elided\"><path d=\"M\(f(x)),\(f(bottom + 16)) L\(f(x)),\(f(bottom))\" stroke=\"\(Self.grey)\" "
                + "stroke-dasharray=\"3 2\" fill=\"none\"/><text x=\"\(f(x + 4))\" y=\"\(f(bottom + 16))\" font-size=\"10\" "
                + "fill=\"\(Self.grey)\">+\(b.elidedInputs)</text></g>\n"
        }
        return s + "</g>\n"
    }

    /// The key to the box styles, one row from (x, y), and its width.
    static func legend(x: Double, y: Double) -> (width: Double, text: String) {
        let items: [(String, String)] = [
            ("trainable leaf", "fill=\"#e6efff\" stroke=\"\(ink)\""),
            ("constant", "fill=\"#f3f3f3\" stroke=\"\(grey)\" stroke-dasharray=\"4 3\""),
            ("operation", "fill=\"#fff8e7\" stroke=\"\(ink)\" rx=\"5\""),
            ("no adjoint reaches it", "fill=\"#f3f3f3\" stroke=\"\(grey)\" rx=\"5\""),
            ("the output", "fill=\"#fff8e7\" stroke=\"\(red)\" stroke-width=\"2.5\" rx=\"5\""),
        ]
        let f = SVGText.number
        var s = "<g class=\"legend\" font-size=\"10\">", at = x
        for (label, style) in items {
            s += "<rect x=\"\(f(at))\" y=\"\(f(y))\" width=\"22\" height=\"13\" \(style)/>"
                + "<text x=\"\(f(at + 28))\" y=\"\(f(y + 10))\">\(SVGText.escaped(label))</text>"
            at += 28 + SVGText.width(label, size: 10, bold: false) + 16
        }
        return (at - x, s + "</g>\n")
    }
}

/// Text helpers for SVG: escaping, width estimates and number formats that do not depend on
/// the locale or on Foundation (the same bytes everywhere).
enum SVGText {
    /// `s` as XML character data or attribute text; characters XML 1.0 forbids become U+FFFD.
    static func escaped(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(c)
            default:
                let v = c.value
                out.unicodeScalars.append(v < 0x20 || v == 0xFFFE || v == 0xFFFF ? "\u{FFFD}" : c)
            }
        }
        return out
    }

    /// A generous estimate of the width of `s` in a Helvetica-like font (boxes must hold their
    /// text in whatever sans-serif font the viewer substitutes).
    static func width(_ s: String, size: Double, bold: Bool) -> Double {
        var em = 0.0
        for c in s.unicodeScalars {
            switch c {
            case "i", "j", "l", "I", ".", ",", ":", ";", "|", "!", "'": em += 0.3
            case "f", "t", "r", " ", "[", "]", "(", ")", "-", "‖": em += 0.38
            case "m", "w", "M", "W", "…": em += 0.9
            case "A"..."Z", "#", "∂": em += 0.7
            case "a"..."z", "0"..."9": em += 0.58
            default: em += 0.7
            }
        }
        return em * size * (bold ? 1.12 : 1.04)
    }

    /// A coordinate with at most one decimal: `12`, `12.5`, `-0.5`.
    static func number(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        let sign = tenths < 0 ? "-" : "", a = Swift.abs(tenths)
        return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
    }

    /// A count with thousands separators: `199,701`.
    static func grouped(_ n: Int) -> String {
        var digits = String(Swift.abs(n)), out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + out
    }

    /// Three significant digits: `0.0123`, `4.56`, `789`, `1.23e-05`, `4.00e+07`.
    static func significant(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == 0 { return "0" }
        var m = Swift.abs(x), e = 0
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        var digits = Int((m * 100).rounded())  // 100…1000
        if digits >= 1000 { digits /= 10; e += 1 }
        let sign = x < 0 ? "-" : "", d = String(digits)
        switch e {
        case 2...4: return sign + d + String(repeating: "0", count: e - 2)
        case 1: return sign + d.prefix(2) + "." + d.suffix(1)
        case 0: return sign + d.prefix(1) + "." + d.suffix(2)
        case -3 ... -1: return sign + "0." + String(repeating: "0", count: -e - 1) + d
        default:
            let exponent = Swift.abs(e) < 10 ? "0\(Swift.abs(e))" : "\(Swift.abs(e))"
            return sign + d.prefix(1) + "." + d.suffix(2) + "e" + (e < 0 ? "-" : "+") + exponent
        }
    }
}
