import Testing
import Tensors
@testable import Autodiff

@Suite("Graph export: the tape as Graphviz DOT")
struct GraphExportTests {
    @Test("a small graph, written out by hand: only what the output depends on, inputs → ops")
    func smallGraph() {
        let tape = Tape<Double>()
        let w = tape.variable(Tensor([1, 2]))          // #0
        let x = tape.constant(Tensor([3, 4]))          // #1
        _ = w + 1                                      // #2, not on the path to y
        let y = (w * x).sum()                          // #3 multiply, #4 sum
        let dot = tape.graphviz(of: y, naming: ["w": w])
        let expected = """
            digraph tape {
                rankdir=BT;
                node [fontname="Helvetica", fontsize=11];
                n0 [label="w\\n#0 variable\\n[2]", shape=box];
                n1 [label="#1 constant\\n[2]", shape=box, style=dashed, color=grey50, fontcolor=grey40];
                n3 [label="#3 multiply\\n[2]", shape=ellipse];
                n4 [label="#4 sum\\n[]", shape=ellipse, peripheries=2];
                n0 -> n3;
                n1 -> n3;
                n3 -> n4;
            }

            """
        #expect(dot == expected)
    }

    @Test("a reused input gives one edge per use; constant-only ops are grey constants")
    func reuseAndConstants() {
        let tape = Tape<Double>()
        let a = tape.variable(Tensor(2.0))
        let c = exp(tape.constant(Tensor(1.0)))        // recorded as a constant leaf
        let y = a * a + c
        let dot = tape.graphviz(of: y)
        #expect(dot.components(separatedBy: "n0 -> n").count - 1 == 2)
        #expect(dot.contains("n2 [label=\"#2 constant\\n[]\", shape=box, style=dashed, color=grey50, fontcolor=grey40];"))
    }

    @Test("names with quotes and backslashes are escaped; custom ops show their name")
    func escaping() {
        let tape = Tape<Double>()
        let twice = CustomOperation<Double>(name: "say \"2\"", forward: { $0[0] * 2 }, vjp: { _, _, g in [g * 2] })
        let v = tape.variable(Tensor([1]))
        let y = twice(v)
        let dot = tape.graphviz(of: y, naming: ["a\\b": v])
        #expect(dot.contains("label=\"a\\\\b\\n#0 variable\\n[1]\""))
        #expect(dot.contains("#1 custom(say \\\"2\\\")"))
    }

    @Test("a 200,000-op chain exports without recursion: one node and one edge per op")
    func longChain() {
        let tape = Tape<Double>()
        var y = tape.variable(Tensor(1.0))
        for _ in 0..<200_000 { y = y * 1.0 }
        let dot = tape.graphviz(of: y)
        var nodes = 0, edges = 0
        for line in dot.split(separator: "\n") {
            if line.contains(" -> ") { edges += 1 } else if line.contains("[label=") { nodes += 1 }
        }
        #expect(nodes == 200_001 && edges == 200_000)
    }
}
