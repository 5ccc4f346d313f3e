import Foundation
import Testing
import TestSupport
import Tensors
@testable import Autodiff

/// A parsed SVG graph: its node groups (by record), their boxes, and its edges.
struct SVGGraph {
    struct Box {
        let record: Int, layer: Int, kind: String
        let x: Double, y: Double, width: Double, height: Double
        let lines: [String]
        let attributes: [String: String]
    }
    let xml: XMLElements
    let boxes: [Box]
    let edges: [(from: Int, to: Int, d: String)]

    init(_ svg: String) throws {
        let xml = XMLElements(svg)
        self.xml = xml
        if let failure = xml.failure { throw SVGError(description: "not well-formed XML: \(failure)") }
        var boxes = [Box]()
        for g in xml.all("g", class: "node") {
            let a = xml.elements[g].attributes
            guard let rect = xml.descendants(of: g).first(where: { xml.elements[$0].attributes["class"] == "box" }) else {
                throw SVGError(description: "node group \(a["id"] ?? "?") has no box")
            }
            let r = xml.elements[rect]
            boxes.append(Box(record: Int(a["data-record"] ?? "") ?? -1, layer: Int(a["data-layer"] ?? "") ?? -1,
                             kind: a["data-kind"] ?? "", x: r.number("x") ?? .nan, y: r.number("y") ?? .nan,
                             width: r.number("width") ?? .nan, height: r.number("height") ?? .nan,
                             lines: xml.texts(of: "tspan", in: g), attributes: r.attributes))
        }
        self.boxes = boxes
        edges = xml.all("path", class: "edge").map { i in
            let a = xml.elements[i].attributes
            return (Int(a["data-from"] ?? "") ?? -1, Int(a["data-to"] ?? "") ?? -1, a["d"] ?? "")
        }
    }

    /// The box of a record.
    func box(_ record: Int) -> Box? { boxes.first { $0.record == record } }

    /// Pairs of boxes that overlap (touching edges do not count).
    var overlaps: [(Int, Int)] {
        var found = [(Int, Int)]()
        for (i, a) in boxes.enumerated() {
            for b in boxes[(i + 1)...] where a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height {
                found.append((a.record, b.record))
            }
        }
        return found
    }

    /// The first and last points of an edge's path.
    static func ends(_ d: String) -> (start: (Double, Double), end: (Double, Double))? {
        let numbers = d.split(whereSeparator: { " ,MC".contains($0) }).compactMap { Double($0) }
        guard numbers.count >= 4 else { return nil }
        return ((numbers[0], numbers[1]), (numbers[numbers.count - 2], numbers[numbers.count - 1]))
    }
}

struct SVGError: Error, CustomStringConvertible { let description: String }

/// A two-layer LSTM unrolled over `steps`, from primitives (matmul, +, slice along axis 1,
/// σ, tanh, ⊙), with a squared-error loss on the last hidden state.
func unrolledLSTM(steps: Int = 8, batch: Int = 2, inputs: Int = 3, hidden: Int = 4)
    -> (tape: Tape<Double>, loss: Variable<Double>, names: [String: Variable<Double>]) {
    let tape = Tape<Double>()
    var names = [String: Variable<Double>]()
    var cells = [(wx: Variable<Double>, wh: Variable<Double>, b: Variable<Double>)]()
    for layer in 0..<2 {
        let n = layer == 0 ? inputs : hidden
        let wx = tape.variable(Tensor(randomUniform: [n, 4 * hidden], lower: -0.5, upper: 0.5, seed: UInt64(3 * layer + 1)))
        let wh = tape.variable(Tensor(randomUniform: [hidden, 4 * hidden], lower: -0.5, upper: 0.5, seed: UInt64(3 * layer + 2)))
        let b = tape.variable(Tensor(zeros: [1, 4 * hidden]))
        names["W\(layer + 1)x"] = wx
        names["W\(layer + 1)h"] = wh
        names["b\(layer + 1)"] = b
        cells.append((wx, wh, b))
    }
    var h = (0..<2).map { _ in tape.constant(Tensor(zeros: [batch, hidden])) }
    var c = h
    for t in 0..<steps {
        var x = tape.constant(Tensor(randomUniform: [batch, inputs], seed: UInt64(100 + t)))
        if t == 0 { names["x0"] = x }
        for layer in 0..<2 {
            let (wx, wh, b) = cells[layer]
            let z = matmul(x, wx) + matmul(h[layer], wh) + b
            let i = sigmoid(z.slice(0..<hidden, alongAxis: 1))
            let f = sigmoid(z.slice(hidden..<(2 * hidden), alongAxis: 1))
            let g = tanh(z.slice((2 * hidden)..<(3 * hidden), alongAxis: 1))
            let o = sigmoid(z.slice((3 * hidden)..<(4 * hidden), alongAxis: 1))
            c[layer] = f * c[layer] + i * g
            h[layer] = o * tanh(c[layer])
            x = h[layer]
        }
    }
    let target = tape.constant(Tensor(ones: [batch, hidden]))
    let error = h[1] - target
    let loss = (error * error).mean()
    names["loss"] = loss
    return (tape, loss, names)
}

@Suite("Graph export: the tape as an SVG picture")
struct GraphSVGTests {
    @Test("a small graph: well-formed SVG, a box per record the output needs, an edge per input use, labels")
    func smallGraph() throws {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([1, 2]))          // #0
        let x = tape.constant(Tensor([3, 4]))          // #1
        _ = w + 1                                      // #2, not on the path to y
        let y = (w * x).sum()                          // #3 multiply, #4 sum
        let svg = tape.svg(of: y, naming: ["w": w, "x": x])
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let graph = try SVGGraph(svg)
        #expect(graph.boxes.map(\.record) == [0, 1, 3, 4])
        #expect(graph.edges.map { [$0.from, $0.to] } == [[0, 3], [1, 3], [3, 4]])
        // ‖∂y/∂w‖ = ‖x‖ = 5; the constant x gets no adjoint and so no norm.
        #expect(graph.box(0)?.lines == ["w", "#0 variable", "[2]", "‖adjoint‖ = 5.00"])
        #expect(graph.box(1)?.lines == ["x", "#1 constant", "[2]"])
        #expect(graph.box(3)?.lines == ["#3 multiply", "[2]"])
        #expect(graph.box(4)?.lines == ["#4 sum", "[]"])
        // Styles: a square box for the trainable leaf, dashed for the constant, rounded ops,
        // the output outlined in red; inputs below their consumers.
        #expect(graph.box(0)?.attributes["rx"] == nil && graph.box(0)?.attributes["stroke-dasharray"] == nil)
        #expect(graph.box(1)?.attributes["stroke-dasharray"] != nil)
        #expect(graph.box(3)?.attributes["rx"] != nil)
        #expect(graph.box(4)?.attributes["stroke"] == SVGGraphDrawing.red && graph.box(3)?.attributes["stroke"] != SVGGraphDrawing.red)
        #expect(graph.box(1)?.kind == "constant" && graph.box(0)?.kind == "variable" && graph.box(4)?.kind == "operation")
        #expect(graph.boxes.map(\.layer) == [0, 0, 1, 2])
        #expect(graph.box(4)!.y < graph.box(3)!.y && graph.box(3)!.y < graph.box(0)!.y)
        #expect(!svg.contains("class=\"note\""))
    }

    @Test("a reused input gives one edge per use, entering at different points; grey where no adjoint flows")
    func reuse() throws {
        let tape = Tape<Double>()
        let a = tape.variable(Tensor(2.0))
        let c = exp(tape.constant(Tensor(1.0)))        // recorded as a constant leaf
        let y = a * a + c
        let graph = try SVGGraph(tape.svg(of: y))
        let squares = graph.edges.filter { $0.from == 0 }
        #expect(squares.count == 2)
        let ends = squares.compactMap { SVGGraph.ends($0.d)?.end.0 }
        #expect(ends.count == 2 && ends[0] < ends[1])
        #expect(graph.box(2)?.attributes["stroke"] == SVGGraphDrawing.grey)
        #expect(graph.edges.first { $0.from == 2 }.map { $0.d.isEmpty } == false)
        // No names, so no norms even though y is a scalar.
        #expect(!graph.boxes.contains { $0.lines.contains { $0.hasPrefix("‖") } })
    }

    @Test("names and custom op names are escaped for XML, control characters replaced")
    func escaping() throws {
        let tape = Tape<Double>()
        let odd = CustomOperation<Double>(name: "<&\"'>\u{1}", forward: { $0[0] * 2 }, vjp: { _, _, g in [g * 2] })
        let v = tape.variable(Tensor([1]))
        let y = odd(v)
        let graph = try SVGGraph(tape.svg(of: y, naming: ["a<b>&c": v]))
        #expect(graph.box(0)?.lines.first == "a<b>&c")
        #expect(graph.box(1)?.lines.first == "#1 custom(<&\"'>\u{FFFD})")
    }

    @Test("a 200,000-op chain: 300 boxes drawn nearest the output, a note of the 199,701 left out, and a stub")
    func longChain() throws {
        let tape = Tape<Double>()
        var y = tape.variable(Tensor(1.0))
        for _ in 0..<200_000 { y = y * 1.0 }
        let svg = tape.svg(of: y, naming: ["y": y])
        let graph = try SVGGraph(svg)
        #expect(graph.boxes.count == 300 && graph.edges.count == 299)
        #expect(graph.boxes.map(\.record) == Array((200_001 - 300)...200_000))
        let notes = graph.xml.all("text", class: "note").map { graph.xml.elements[$0].text }
        #expect(notes == ["… 199,701 earlier records not drawn (the 300 nearest the output are)"])
        let stubs = graph.xml.all("g", class: "elided")
        #expect(stubs.count == 1 && graph.xml.texts(of: "text", in: stubs[0]) == ["+1"])
        #expect(graph.box(200_000)?.lines.last == "‖adjoint‖ = 1.00")
        // A smaller cap, and a cap larger than the graph.
        #expect(try SVGGraph(tape.svg(of: y, maximumNodeCount: 1)).boxes.count == 1)
        let tape2 = Tape<Double>()
        let z = tape2.variable(Tensor(1.0)) * 2.0
        #expect(!tape2.svg(of: z, maximumNodeCount: 10).contains("not drawn"))
    }

    @Test("deterministic: the same tape, or the same program run again, gives the same bytes")
    func determinism() {
        let first = unrolledLSTM()
        let again = unrolledLSTM()
        let a = first.tape.svg(of: first.loss, naming: first.names)
        #expect(a == first.tape.svg(of: first.loss, naming: first.names))
        #expect(a == again.tape.svg(of: again.loss, naming: again.names))
    }

    @Test("a two-layer LSTM unrolled 8 steps: every record and edge of the DOT export, no boxes overlap, edges end on their boxes")
    func lstm() throws {
        let (tape, loss, names) = unrolledLSTM()
        let svg = tape.svg(of: loss, naming: names)
        let graph = try SVGGraph(svg)
        let dot = tape.graphviz(of: loss)
        let dotNodes = dot.split(separator: "\n").filter { $0.contains("[label=") }.count
        let dotEdges = dot.split(separator: "\n").filter { $0.contains(" -> ") }.count
        #expect(graph.boxes.count == dotNodes && graph.edges.count == dotEdges)
        #expect(!svg.contains("not drawn"))
        let overlaps = graph.overlaps
        #expect(overlaps.count == 0, "overlapping boxes, e.g. \(overlaps.prefix(5))")
        // Boxes of one layer share a row.
        for layer in Set(graph.boxes.map(\.layer)) {
            let centres = Set(graph.boxes.filter { $0.layer == layer }.map { $0.y + $0.height / 2 })
            #expect(centres.count == 1, "layer \(layer)")
        }
        // Each edge leaves the top of its input's box and ends on the bottom of its consumer's.
        for e in graph.edges {
            let (from, to) = (graph.box(e.from)!, graph.box(e.to)!)
            let ends = try #require(SVGGraph.ends(e.d))
            #expect(Swift.abs(ends.start.1 - from.y) < 0.11 && Swift.abs(ends.end.1 - (to.y + to.height)) < 0.11)
            #expect(ends.end.0 > to.x && ends.end.0 < to.x + to.width && from.layer < to.layer)
        }
        // Every parameter is labelled with its name and the norm of its adjoint.
        for name in ["W1x", "W1h", "b1", "W2x", "W2h", "b2"] {
            let box = try #require(graph.box(names[name]!.index))
            let norm = tape.gradient(of: loss, wrt: names[name]!).scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(box.lines == [name, "#\(names[name]!.index) variable", "\(names[name]!.shape)",
                                  "‖adjoint‖ = \(SVGText.significant(norm))"])
        }
        #expect(graph.box(loss.index)?.lines.first == "loss")
        if let directory = ProcessInfo.processInfo.environment["BACKPROP_SVG_DIR"] {
            // For Tests/Visual/render-svg.sh: keep the picture to look at.
            try svg.write(toFile: directory + "/lstm.svg", atomically: true, encoding: .utf8)
        }
    }

    @Test("the layout reduces crossings: a swapped bipartite graph is untangled")
    func crossings() {
        // Inputs 0, 1, 2; consumers read them in reverse, so index order crosses every pair.
        let layout = LayeredLayout(inputs: [[], [], [], [2], [1], [0]], widths: Array(repeating: 40, count: 6))
        #expect(layout.crossings == 0)
        #expect(layout.order.map { $0.count } == [3, 3])
    }

    @Test("isotonic fit: the closest non-decreasing sequence in weighted least squares")
    func isotonic() {
        #expect(LayeredLayout.isotonicFit([1, 3, 2, 4], weights: [1, 1, 1, 1]) == [1, 2.5, 2.5, 4])
        #expect(LayeredLayout.isotonicFit([3, 1], weights: [3, 1]) == [2.5, 2.5])
        #expect(LayeredLayout.isotonicFit([], weights: []) == [])
    }

    @Test("numbers are formatted without Foundation, the same everywhere", arguments: [
        (0.012345, "0.0123"), (4.567, "4.57"), (789.4, "789"), (12_345, "12300"), (9.996, "10.0"),
        (0.00001234, "1.23e-05"), (4e7, "4.00e+07"), (0, "0"), (-2.5, "-2.50"), (1e-300, "1.00e-300"),
    ])
    func significant(_ x: Double, _ expected: String) {
        #expect(SVGText.significant(x) == expected)
    }
}
