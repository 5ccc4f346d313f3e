import Foundation
import Testing
import TestSupport
import Tensors
@testable import NeuralNetworks

/// The chart's lines, ticks and legend, read back from its SVG.
struct ChartReading {
    let xml: XMLElements
    /// Each polyline's series and points.
    let lines: [(series: String, points: [(x: Double, y: Double)])]

    init(_ svg: String) throws {
        xml = XMLElements(svg)
        if let failure = xml.failure { Issue.record("not well-formed XML: \(failure)") }
        var lines = [(String, [(x: Double, y: Double)])]()
        for i in xml.all("polyline", class: "series") {
            let a = xml.elements[i].attributes
            let points = (a["points"] ?? "").split(separator: " ").map { p in
                let xy = p.split(separator: ",").compactMap { Double($0) }
                return (x: xy.first ?? .nan, y: xy.last ?? .nan)
            }
            lines.append((a["data-series"] ?? "", points))
        }
        self.lines = lines
    }

    /// The tick labels of a tick group, as numbers, with the y (or x) of each tick's line.
    func ticks(_ group: String, vertical: Bool) -> [(value: Double, at: Double)] {
        guard let g = xml.all("g", class: group).first else { return [] }
        let inside = xml.descendants(of: g)
        let marks = inside.filter { xml.elements[$0].name == "line" }.map { xml.elements[$0].number(vertical ? "y1" : "x1") ?? .nan }
        let labels = inside.filter { xml.elements[$0].name == "text" }.map { Double(xml.elements[$0].text) ?? .nan }
        return zip(labels, marks).map { ($0, $1) }
    }

    /// The legend's entries.
    var legend: [String] { xml.all("g", class: "legend").flatMap { xml.texts(of: "text", in: $0) } }
}

/// Fifteen epochs of a run that learns: losses fall, accuracy rises.
func learningHistory(epochs: Int = 15, evaluated: Bool = true) -> [EpochReport] {
    (1...epochs).map { e in
        EpochReport(epoch: e, loss: 2 / Double(e), accuracy: 0.5 + Double(e) / 40,
                    evaluationLoss: evaluated ? 2.2 / Double(e) : nil, examplesPerSecond: 1000)
    }
}

@Suite("Training curves as an SVG chart")
struct TrainingChartTests {
    @Test("an evaluated run: training loss, test loss and test accuracy, one point per epoch, on axes whose ticks place them")
    func evaluated() throws {
        let history = learningHistory()
        let chart = try ChartReading(TrainingChart(history, title: "digits <test>").svg)
        #expect(chart.lines.map(\.series) == ["training loss", "test loss", "test accuracy (%)"])
        #expect(chart.lines.allSatisfy { $0.points.count == 15 })
        #expect(chart.legend == ["training loss", "test loss", "test accuracy (%)"])
        #expect(chart.xml.allText.contains("digits <test>"))
        // Epochs left to right; falling loss goes down the picture (up in y), rising accuracy up.
        let training = chart.lines[0].points, accuracy = chart.lines[2].points
        #expect(zip(training, training.dropFirst()).allSatisfy { $0.x < $1.x && $0.y < $1.y })
        #expect(zip(accuracy, accuracy.dropFirst()).allSatisfy { $0.y > $1.y })
        // Every point sits where the axis ticks say its value is (to the drawing's 0.1 px).
        for (group, line, values, vertical) in [("y-ticks", 0, history.map(\.loss), true),
                                                ("y2-ticks", 2, history.map { 100 * $0.accuracy }, true),
                                                ("x-ticks", 0, history.map { Double($0.epoch) }, false)] {
            let ticks = chart.ticks(group, vertical: vertical)
            try #require(ticks.count >= 3, "\(group)")
            #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.value < $1.value }, "\(group)")
            let (a, b) = (ticks.first!, ticks.last!)
            for (value, point) in zip(values, chart.lines[line].points) {
                let at = a.at + (value - a.value) / (b.value - a.value) * (b.at - a.at)
                #expect(Swift.abs((vertical ? point.y : point.x) - at) <= 0.11, "\(group): \(value)")
            }
        }
        // The loss axis starts at 0; the ticks are 1, 2 or 5 × 10ᵏ apart.
        let lossTicks = chart.ticks("y-ticks", vertical: true).map(\.value)
        #expect(lossTicks.first == 0 && lossTicks.last! >= 2)
        let step = lossTicks[1] - lossTicks[0]
        #expect([0.1, 0.2, 0.5, 1, 2, 5].contains { Swift.abs($0 - step) < 1e-12 })
    }

    @Test("without an evaluation set: the training loss alone, on one axis")
    func trainingOnly() throws {
        let chart = try ChartReading(TrainingChart(learningHistory(evaluated: false)).svg)
        #expect(chart.lines.map(\.series) == ["training loss"])
        #expect(chart.xml.all("g", class: "y2-ticks").isEmpty && chart.legend == ["training loss"])
    }

    @Test("a diverged epoch leaves a gap in the line; one epoch and none still draw")
    func edgeCases() throws {
        var history = learningHistory(epochs: 5, evaluated: false)
        history[2] = EpochReport(epoch: 3, loss: .nan, accuracy: 0.1)
        history[3] = EpochReport(epoch: 4, loss: .infinity, accuracy: 0.1)
        let gap = try ChartReading(TrainingChart(history).svg)
        #expect(gap.lines.map(\.points.count) == [2, 1])
        #expect(gap.ticks("y-ticks", vertical: true).allSatisfy { $0.value.isFinite && $0.at.isFinite })
        let one = try ChartReading(TrainingChart(learningHistory(epochs: 1)).svg)
        #expect(one.lines.map(\.points.count) == [1, 1, 1])
        #expect(one.lines.allSatisfy { $0.points.allSatisfy { $0.x.isFinite && $0.y.isFinite } })
        let none = try ChartReading(TrainingChart([]).svg)
        #expect(none.lines.isEmpty && none.xml.allText.contains("no epochs"))
    }

    @Test("deterministic, and written atomically: the file is the chart; an unwritable path throws, no file left")
    func write() throws {
        let chart = TrainingChart(learningHistory(), title: "run")
        #expect(chart.svg == TrainingChart(learningHistory(), title: "run").svg)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-chart-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("curves.svg")
        try Data("old".utf8).write(to: url)
        try chart.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == chart.svg)
        #expect(throws: TensorFileError.self) { try chart.write(to: dir.appendingPathComponent("no/such/dir/c.svg")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["curves.svg"])
    }

    @Test("a real run's history: the trainer's reports chart as they are")
    func trainerHistory() throws {
        var g = SeededGenerator(seed: 4)
        let data = Dataset(features: Tensor<Double>(randomNormal: [40, 3], using: &g),
                           labels: (0..<40).map { $0 % 2 }, classCount: 2)
        let (training, test) = data.split(testEvery: 4)
        let layer = Dense<Double>(inputSize: 3, outputSize: 1, using: &g)
        var sgd = SGD<Double>(learningRate: 0.1)
        let history = try Trainer<Double>(epochs: 4, batchSize: 8, seed: 1, progress: .silent)
            .fit(layer, loss: .binaryCrossEntropy, optimizer: &sgd, on: training, evaluatingOn: test)
        let chart = try ChartReading(TrainingChart(history).svg)
        #expect(chart.lines.count == 3 && chart.lines.allSatisfy { $0.points.count == 4 })
    }
}
