import Foundation
import Tensors

/// A training run's history as an SVG line chart: the training loss per epoch, and where an
/// evaluation set was measured, its loss and its accuracy (on a second axis, in percent), with
/// axes, ticks, a grid and a legend.
///
///     let history = trainer.fit(model, loss: .softmaxCrossEntropy, optimizer: &adam,
///                               on: training, evaluatingOn: test)
///     try TrainingChart(history, title: "digits").write(to: URL(fileURLWithPath: "curves.svg"))
///
/// `backprop train --plot curves.svg` draws one. The training loss is the mean over the
/// epoch's batches, penalty included, while the test loss is the data term measured after the
/// epoch, so the test line may run below the training one. Epochs whose loss is not finite (a
/// diverged run) leave a gap in the line rather than bending the axis to infinity.
public struct TrainingChart: Sendable {
    /// The reports to draw, one per epoch, as ``Trainer/fit(_:loss:optimizer:on:evaluatingOn:)``
    /// returns them.
    public var reports: [EpochReport]
    /// The heading above the chart.
    public var title: String
    /// The picture's width in pixels.
    public var width: Double = 720
    /// The picture's height in pixels.
    public var height: Double = 420

    /// A chart of `reports` headed `title`.
    public init(_ reports: [EpochReport], title: String = "Training") {
        self.reports = reports
        self.title = title
    }

    /// A series: its legend label, colour, dash pattern, axis, and one value per report.
    private struct Series {
        let label: String, colour: String, dash: String?, onRightAxis: Bool
        let values: [Double]
    }

    /// Whether an evaluation set was measured (then accuracy and evaluation loss are test figures).
    private var isEvaluated: Bool { reports.contains { $0.evaluationLoss != nil } }

    private var series: [Series] {
        var s = [Series(label: "training loss", colour: "#1f5fa8", dash: nil, onRightAxis: false, values: reports.map(\.loss))]
        if isEvaluated {
            s.append(Series(label: "test loss", colour: "#e07b00", dash: "6 4", onRightAxis: false,
                            values: reports.map { $0.evaluationLoss ?? .nan }))
            s.append(Series(label: "test accuracy (%)", colour: "#2e8b3a", dash: nil, onRightAxis: true,
                            values: reports.map { 100 * $0.accuracy }))
        }
        return s
    }

    /// The chart as a standalone SVG document (the same reports give the same bytes).
    public var svg: String {
        let series = self.series
        let hasRight = series.contains(where: \.onRightAxis)
        let (left, right, top, bottom) = (72.0, width - (hasRight ? 72 : 28), 66.0, height - 56)
        let epochs = reports.map { Double($0.epoch) }
        let xAxis = Axis(nice: epochs.min() ?? 1, epochs.max() ?? 1, integers: true)
        let leftAxis = Axis(nice: series.filter { !$0.onRightAxis }.flatMap(\.values), fromZero: true)
        let rightAxis = Axis(nice: series.filter(\.onRightAxis).flatMap(\.values), fromZero: false, within: 0...100)
        func px(_ e: Double) -> Double { left + (e - xAxis.low) / (xAxis.high - xAxis.low) * (right - left) }
        func py(_ v: Double, _ a: Axis) -> Double { bottom - (v - a.low) / (a.high - a.low) * (bottom - top) }
        let f = { (v: Double) in String(format: "%.1f", v) }

        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, 'Liberation Sans', sans-serif" font-size="11">
            <title>\(escaped(title))</title>
            <rect class="background" width="100%" height="100%" fill="#ffffff"/>
            <text class="heading" x="\(f(left))" y="28" font-size="14" font-weight="bold">\(escaped(title))</text>

            """
        // Grid and ticks.
        s += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">"
        for t in leftAxis.ticks { s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t, leftAxis)))\" x2=\"\(f(right))\" y2=\"\(f(py(t, leftAxis)))\"/>" }
        s += "</g>\n<g class=\"x-ticks\" text-anchor=\"middle\">"
        for t in xAxis.ticks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(bottom))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom + 5))\" stroke=\"#333\"/>"
                + "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 18))\">\(xAxis.label(t))</text>"
        }
        s += "</g>\n<g class=\"y-ticks\" text-anchor=\"end\">"
        for t in leftAxis.ticks {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t, leftAxis)))\" x2=\"\(f(left))\" y2=\"\(f(py(t, leftAxis)))\" stroke=\"#333\"/>"
                + "<text x=\"\(f(left - 8))\" y=\"\(f(py(t, leftAxis) + 4))\">\(leftAxis.label(t))</text>"
        }
        s += "</g>\n"
        if hasRight {
            s += "<g class=\"y2-ticks\" text-anchor=\"start\">"
            for t in rightAxis.ticks {
                s += "<line x1=\"\(f(right))\" y1=\"\(f(py(t, rightAxis)))\" x2=\"\(f(right + 5))\" y2=\"\(f(py(t, rightAxis)))\" stroke=\"#333\"/>"
                    + "<text x=\"\(f(right + 8))\" y=\"\(f(py(t, rightAxis) + 4))\">\(rightAxis.label(t))</text>"
            }
            s += "</g>\n"
        }
        // Axes and their titles.
        s += "<g class=\"axes\" stroke=\"#333\" stroke-width=\"1.2\" fill=\"none\">"
            + "<path d=\"M\(f(left)),\(f(top)) L\(f(left)),\(f(bottom)) L\(f(right)),\(f(bottom))\(hasRight ? " L\(f(right)),\(f(top))" : "")\"/></g>\n"
        s += "<text class=\"axis-title\" x=\"\(f((left + right) / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">epoch</text>\n"
        s += "<text class=\"axis-title\" transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">loss</text>\n"
        if hasRight {
            s += "<text class=\"axis-title\" transform=\"translate(\(f(width - 14)) \(f((top + bottom) / 2))) rotate(90)\" "
                + "text-anchor=\"middle\">test accuracy (%)</text>\n"
        }
        // The lines: one polyline per run of finite values, and markers while there are few epochs.
        for line in series {
            let axis = line.onRightAxis ? rightAxis : leftAxis
            var runs = [[String]](), current = [String]()
            for (e, v) in zip(epochs, line.values) {
                if v.isFinite {
                    current.append("\(f(px(e))),\(f(py(v, axis)))")
                } else if !current.isEmpty {
                    runs.append(current)
                    current = []
                }
            }
            if !current.isEmpty { runs.append(current) }
            let dash = line.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            for run in runs {
                s += "<polyline class=\"series\" data-series=\"\(escaped(line.label))\" points=\"\(run.joined(separator: " "))\" "
                    + "fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"\(dash) stroke-linejoin=\"round\"/>\n"
                if reports.count <= 60 {
                    for p in run {
                        let xy = p.split(separator: ",")
                        s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(line.colour)\"/>"
                    }
                    s += "\n"
                }
            }
        }
        if reports.isEmpty {
            s += "<text class=\"note\" x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\">no epochs</text>\n"
        }
        // The legend: one row between the heading and the plot, so that it hides no line.
        s += "<g class=\"legend\">"
        var lx = left
        for line in series {
            s += "<line x1=\"\(f(lx))\" y1=\"42\" x2=\"\(f(lx + 24))\" y2=\"42\" stroke=\"\(line.colour)\" stroke-width=\"2\""
                + (line.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>"
                + "<text x=\"\(f(lx + 30))\" y=\"46\">\(escaped(line.label))</text>"
            lx += 30 + 6.5 * Double(line.label.count) + 24
        }
        s += "</g>\n</svg>\n"
        return s
    }

    /// Writes ``svg`` to `url` atomically: the file is replaced whole or not at all.
    /// - Throws: ``TensorFileError`` if the file cannot be written (a previous file is then unchanged).
    public func write(to url: URL) throws(TensorFileError) {
        try AtomicWrite.write(Data(svg.utf8), to: url)
    }

    private func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// An axis with "nice" bounds and ticks: steps of 1, 2 or 5 × 10ᵏ (Heckbert's labelling).
private struct Axis {
    var low: Double, high: Double, step: Double

    /// Bounds that cover `values`' finite entries (from zero when `fromZero` and they are
    /// positive), clamped to `within`; [0, 1] if there are none.
    init(nice values: [Double], fromZero: Bool, within limits: ClosedRange<Double>? = nil) {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if fromZero && lo > 0 { lo = 0 }
        self.init(nice: lo, hi, integers: false, within: limits)
    }

    init(nice lo: Double, _ hi: Double, integers: Bool, within limits: ClosedRange<Double>? = nil) {
        var (lo, hi) = (lo, hi)
        if !(hi > lo) { (lo, hi) = integers ? (lo, lo + 1) : (lo - Swift.max(Swift.abs(lo) * 0.1, 0.5), hi + Swift.max(Swift.abs(hi) * 0.1, 0.5)) }
        var step = Self.nice((hi - lo) / 5, rounding: true)
        if integers { step = Swift.max(1, step.rounded()) }
        low = (lo / step).rounded(.down) * step
        high = (hi / step).rounded(.up) * step
        if let limits { low = Swift.max(low, limits.lowerBound); high = Swift.min(high, limits.upperBound) }
        if !(high > low) { high = low + step }
        self.step = step
    }

    /// The nice number near x: 1, 2 or 5 (rounding) or the next of 1, 2, 5, 10 above, × 10ᵏ.
    static func nice(_ x: Double, rounding: Bool) -> Double {
        let e = (Foundation.log10(x)).rounded(.down), f = x / Foundation.pow(10, e)
        let n: Double = rounding ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10)
        return n * Foundation.pow(10, e)
    }

    /// The tick values, from the first multiple of the step at or above `low`.
    var ticks: [Double] {
        let first = (low / step - 1e-9).rounded(.up), last = (high / step + 1e-9).rounded(.down)
        guard last >= first else { return [] }
        return (0...Int(Swift.min(last - first, 100))).map { (first + Double($0)) * step }
    }

    /// A tick's label, with as many decimals as the step needs.
    func label(_ v: Double) -> String {
        let decimals = Swift.max(0, Int(-(Foundation.log10(step)).rounded(.down)))
        let text = String(format: "%.\(decimals)f", v)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
