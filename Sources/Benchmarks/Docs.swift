import Foundation
import Tensors

/// The machine, from /proc/cpuinfo where it exists.
struct Machine {
    let model: String, logicalCPUs: Int, features: String

    static func current() -> Machine {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            info.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let vector = ["sse2", "sse4_2", "avx", "avx2", "fma", "avx512f"].filter(flags.contains)
        return Machine(model: field("model name") ?? "unknown",
                       logicalCPUs: ProcessInfo.processInfo.activeProcessorCount,
                       features: vector.isEmpty ? "unknown" : vector.joined(separator: " "))
    }
}

/// Milliseconds with three significant digits at least (the 2-2-1 step takes microseconds).
func milliseconds(_ ms: Double) -> String {
    ms >= 1 ? String(format: "%.3f", ms) : ms >= 0.01 ? String(format: "%.4f", ms) : String(format: "%.5f", ms)
}

extension Report {
    func markdown() -> String {
        let machine = Machine.current()
        let date = ISO8601DateFormatter().string(from: Date())
        var s = """
        # Performance

        Figures written by `swift run -c release Benchmarks --write-docs`\(quick ? " --quick" : "") on \(date).
        Every ratio compares our code with NumPy (OpenBLAS), PyTorch or JAX **measured in the same run** on the same
        machine, which is shared with other builds: absolute figures move from run to run, ratios less.

        **Machine:** \(machine.model), \(machine.logicalCPUs) logical CPUs; vector features \(machine.features).
        Our Swift code is compiled for baseline x86-64 (no `unsafeFlags`): SSE2, 128-bit vectors. The GEMM
        micro-kernels are C, compiled per function for AVX2+FMA and AVX-512F and chosen at run time by CPUID
        (kernels available here: \(GEMMKernels.available.map { "`\($0)`" }.joined(separator: ", "))); NumPy's
        OpenBLAS picks its AVX2/AVX-512 FMA kernels the same way.
        NumPy: \(numpyAvailable ? "measured with `\(peersDirectory ?? "")`" : "not available, comparisons skipped").
        PyTorch eager: \(torchPython.map { "measured with `\($0)`" } ?? "not available, comparisons skipped").

        ![GEMM GFLOP/s](performance.svg)


        """
        s += "## Targets\n\n| target | measured | verdict |\n| --- | --- | --- |\n"
        for t in targets() {
            s += "| \(t.target) | \(t.measured) | \(t.met.map { $0 ? "met" : "**not met**" } ?? "not measured") |\n"
        }
        s += "\n## Machine peaks\n\n"
        s += "Two loops (`Sources/Benchmarks/Peak.swift`): 12 independent chains x ← x·s + t of SSE2 `mulpd`+`addpd`\n"
        s += "(`mulps`+`addps` for Float), the peak of what Swift emits for this machine (Note [Peak loop]); and the active\n"
        s += "C micro-kernel called again and again on one packed sliver of A and of B that fit in L1, the ceiling of our\n"
        s += "GEMM (Note [Kernel peak]).\n\n"
        s += "| dtype | threads | GFLOP/s | instructions |\n| --- | ---: | ---: | --- |\n"
        for p in peaks {
            s += String(format: "| %@ | %d | %.1f | ", p.dtype as NSString, p.threads, p.gflops) + p.instructions + " |\n"
        }
        s += "\n## GEMM\n\nC = A·B for n × n matrices, 2n³ flops, best of the repetitions (NumPy: `numpy_gemm.py`, best too;\n"
        s += "`OPENBLAS_NUM_THREADS` set to the same thread count).\n\n"
        s += "| dtype | n | threads | GFLOP/s | % of kernel peak | NumPy GFLOP/s | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for r in gemm {
            let pk = peak(r.dtype, r.threads).map { String(format: "%.0f %%", 100 * r.gflopsBest / $0) } ?? "–"
            let mark = isDisturbed(r) ? " †" : ""
            let np = r.numpyBest.map { String(format: "%.1f | %.2f", $0, r.ratio!) + mark } ?? "– | –"
            s += String(format: "| %@ | %d | %d | %.1f | ", r.dtype as NSString, r.n, r.threads, r.gflopsBest) + pk + " | " + np + " |\n"
        }
        if gemm.contains(where: isDisturbed) {
            s += "\n† Disturbed by other work on the machine (two threads less than 1.3× one thread, for NumPy or for us);\n"
            s += "shown, but left out of the verdicts.\n"
        }
        if !gemmPaths.isEmpty {
            s += "\n### The other dispatch paths\n\nThe same products through each narrower micro-kernel (`GEMMKernels.active` set for the\n"
            s += "measurement; one thread). Every path gives the same bits; this is what each is worth in time.\n\n"
            s += "| kernel | dtype | n | GFLOP/s | widest kernel, same n | NumPy GFLOP/s |\n| --- | --- | ---: | ---: | ---: | ---: |\n"
            for r in gemmPaths {
                let wide = gemm.first { $0.dtype == r.dtype && $0.n == r.n && $0.threads == r.threads }
                s += "| `\(r.kernel)` | \(r.dtype) | \(r.n) | " + String(format: "%.1f", r.gflopsBest) + " | "
                    + (wide.map { String(format: "%.1f", $0.gflopsBest) } ?? "–") + " | "
                    + (wide?.numpyBest.map { String(format: "%.1f", $0) } ?? "–") + " |\n"
            }
        }
        s += "\n## Training steps\n\nOne full step (forward, loss, backward, SGD update) of the three networks of `mlp.py`, same\n"
        s += "shapes, dtypes, losses and updates, against NumPy (hand-written backprop), PyTorch eager and JAX (the whole\n"
        s += "step under `jax.jit`), each run as a child process"
        s += mlpPython.map { " (`\($0)`)" } ?? ""
        s += " just before ours for the same net and thread count\n"
        s += "(`OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS`, `PEERS_THREADS` and, at one thread, XLA's intra-op pool set to the\n"
        s += "row's count). The ratio is our best time over the **fastest** peer's best. Our step starts from mlp.py's own\n"
        s += "seeded start (Note [Same start] in `TrainingBench.swift`), so the losses of the first and fifth steps are\n"
        s += "compared with every peer's (relative 1e-9 in Double, 1e-4 in Float).\n\n"
        if mlpPeers.count < MLPPeers.implementations.count {
            let missing = MLPPeers.implementations.filter { !mlpPeers.contains($0) }
            s += "Not measured in this run: \(missing.joined(separator: ", ")) (skipped: its library does not import).\n\n"
        }
        s += "| net | layers | batch | dtype | threads | ours ms (best) | NumPy ms | PyTorch ms | JAX jit ms | fastest | ratio (≤ 1 faster) | loss0 (ours) | losses agree |\n"
        s += "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |\n"
        for r in training {
            let peers = MLPPeers.implementations.map { r.peer($0).map { milliseconds($0.msBest) } ?? "–" }.joined(separator: " | ")
            let fastest = r.fastest?.impl ?? "–"
            let ratio = r.ratio.map { String(format: "%.2f", $0) } ?? "–"
            let agree = !r.sameStart ? "own data" : r.peers.isEmpty ? "–" : r.lossMismatches.isEmpty ? "yes" : "**no**"
            s += "| \(r.net) | \(r.layers.map(String.init).joined(separator: "-")) | \(r.batch) | \(r.dtype) | \(r.threads) | "
                + milliseconds(r.msBest) + " | \(peers) | \(fastest) | \(ratio) | " + String(format: "%.6f", r.firstLoss) + " | \(agree) |\n"
        }
        s += "\n## Convolutional and recurrent steps against PyTorch\n\n"
        s += "One full step (forward, mean softmax cross-entropy, backward, SGD lr 0.01 in place) of the three networks of\n"
        s += "`torch_steps.py`, Float, batch 64, a fresh tape per step (`Sources/Benchmarks/TorchBench.swift`). PyTorch eager runs\n"
        s += "as a child process in the same run, just before ours, with `PEERS_THREADS` = the row's thread count"
        s += torchPython.map { " (`\($0)`)" } ?? ""
        s += ".\n"
        s += "cnn8 and lenet5 use the public `Conv2D`, `MaxPool2D` and `Dense` layers; lstm the public `LSTM` layer (per\n"
        s += "time step `matmul` [64, 16]·W_ihᵀ and [64, 128]·W_hhᵀ with W [512, ·] in PyTorch's layout, both biases,\n"
        s += "`split` into PyTorch's gates i, f, g, o, `sigmoid`, `tanh`) and `Dense`. Data and initial values are our\n"
        s += "own seeded draws from PyTorch's distributions (±1/√fanIn, ±1/√H for the LSTM), so\n"
        s += "the first losses agree only roughly; every step is checked to change every parameter.\n\n"
        if torchSteps.isEmpty || torchSteps.allSatisfy({ $0.torchBest == nil }) {
            s += "PyTorch was not available in this run (set `BACKPROP_TORCH_PYTHON` to a python with torch): ours only.\n\n"
        }
        s += "| net | input | threads | ms best (median) | PyTorch ms best (median) | ratio (≤ 1 faster) | first loss | PyTorch loss0 |\n"
        s += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for r in torchSteps {
            let theirs = r.torchBest.map { milliseconds($0) + " (" + milliseconds(r.torchMedian!) + ")" } ?? "–"
            let input: String = r.input.map(String.init).joined(separator: ", ")
            let ours: String = milliseconds(r.msBest) + " (" + milliseconds(r.msMedian) + ")"
            let ratio: String = r.ratio.map { String(format: "%.2f", $0) } ?? "–"
            let loss0: String = r.torchFirstLoss.map { String(format: "%.4f", $0) } ?? "–"
            let row: String = "| \(r.net) | [\(input)] | \(r.threads) | \(ours) | \(theirs) | \(ratio) | "
            s += row + String(format: "%.4f", r.firstLoss) + " | \(loss0) |\n"
        }
        s += "\n## Scalar chain: tape overhead against Swift's compiler AD\n\n"
        s += "The peers' chain (`chain.py`, `chain_swift_ad.swift`): y = x0, then S times y = tanh(y·a + b), with x0 = 0.5,\n"
        s += "a = 0.9, b = 0.1 *variables* (rank-0 Double), 3 ops a step, built and differentiated once on a fresh tape per\n"
        s += "repetition (`Sources/Benchmarks/ChainBench.swift`); ∂y/∂(x0, a, b) checked against the closed-form reverse sweep.\n"
        s += "Swift AD is `chain_swift_ad` (`valueWithPullback` then the pullback), built with `swiftc -O` and run just before\n"
        s += "ours at each size. ns/op is (forward + reverse) / ops, best of the repetitions on both sides; forward and reverse\n"
        s += "are medians; the tape's teardown (dropping it) is timed apart and not in the total, like the peer's.\n\n"
        if peerChain.isEmpty {
            s += "Not measured in this run.\n\n"
        } else {
            s += "| ops | ns/op | forward | reverse | teardown | Swift AD ns/op | Swift AD forward | Swift AD reverse | ratio (≤ 1 faster) |\n"
            s += "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
            for r in peerChain {
                let per = { (x: Double) in x / Double(r.ops) * 1e9 }
                let theirs = r.swiftAD.map { String(format: "%.1f | %.1f | %.1f | %.2f", per($0.totalBest), per($0.forwardMedian),
                                                    per($0.reverseMedian), r.ratio!) } ?? "– | – | – | –"
                s += String(format: "| %d | %.1f | %.1f | %.1f | %.1f | ", r.ops, r.nsPerOp, r.forwardNsPerOp, r.reverseNsPerOp,
                            per(r.teardownMedian)) + theirs + (r.checked ? "" : " (WRONG gradient)") + " |\n"
            }
            s += "\n"
        }
        if let m = chainMemory {
            s += "Memory: a record is \(m.recordStride) bytes (a rank-0 value held in it, no heap allocation), an adjoint slot \(m.adjointStride) bytes"
            s += " (zero-filled, never touched for a rank-0 record) plus 8 and a flag byte for the unboxed rank-0 adjoint during the reverse pass"
            if let b = m.tapeBytesPerOp { s += String(format: "; recording the 10⁶-op chain costs **%.1f bytes per op** of peak RSS", b) }
            if let p = m.peakRSS, let base = m.baselineRSS {
                s += String(format: "; the peak RSS of recording and differentiating it is **%.1f MiB** (%.1f MiB for the executable alone)",
                            Double(p) / 1048576, Double(base) / 1048576)
            }
            s += " (child runs of the benchmark, `--chain-rss`; `VmHWM` on Linux).\n\n"
        }
        if let c = chain, let d = c.detectingNsPerOp {
            s += String(format: "The same chain at %d ops with anomaly detection on (`.collect`: every value scanned, every caller's line kept, the tensor path throughout): %.1f ns/op, %.1f× the %.1f ns/op without.\n\n",
                        c.ops, d, d / c.nsPerOp, c.nsPerOp)
        }
        s += "Reverse pass alone (`tape.gradient` of one recorded chain, repeated):\n\n| ops | ms | ns/op |\n| ---: | ---: | ---: |\n"
        for r in reverse { s += String(format: "| %d | %.3f | %.1f |\n", r.ops, r.seconds * 1e3, r.nsPerOp) }
        if let h = higher {
            s += "\n## Higher order\n\n"
            s += "The cross-entropy text's objective (400-25-10 sigmoid units, m = 5000, λ = 1), each from a fresh tape\n"
            s += "including the forward pass (`Sources/Benchmarks/HigherOrderBench.swift`):\n\n"
            s += "| transform | ms | × one gradient |\n| --- | ---: | ---: |\n"
            s += String(format: "| `gradient(at:of:)` | %.2f | 1.00 |\n", h.gradientMs)
            s += String(format: "| `hessianVectorProduct` (reverse over reverse) | %.2f | %.2f |\n", h.hvpMs, h.hvpRatio)
            s += String(format: "| `valueWithDifferential` (J·v by double VJP) | %.2f | %.2f |\n", h.jvpMs, h.jvpRatio)
        }
        s += "\n" + analysis
        return s
    }

    /// A two-panel SVG line chart of GEMM GFLOP/s against n (1 thread, all threads), with the
    /// micro-kernel peaks (Note [Kernel peak]) as dotted lines.
    func chart() -> String {
        let panelW = 420.0, panelH = 300.0, left = 55.0, top = 40.0, bottom = 45.0, right = 15.0
        let threadSets = Set([1, threads]).sorted()
        let width = Double(threadSets.count) * (panelW + 20) + 20
        let height = top + panelH + bottom + 60
        let sizes = Set(gemm.map(\.n)).sorted()
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>

        """
        let series: [(String, String, Bool, String)] = [
            ("float32", "ours", false, "#1f77b4"), ("float64", "ours", false, "#d62728"),
            ("float32", "numpy", true, "#1f77b4"), ("float64", "numpy", true, "#d62728"),
        ]
        for (panel, t) in threadSets.enumerated() {
            let x0 = 20 + Double(panel) * (panelW + 20)
            let rows = gemm.filter { $0.threads == t }
            let maxY = ([rows.map(\.gflopsBest).max() ?? 1, rows.compactMap(\.numpyBest).max() ?? 1]
                        + peaks.filter { $0.threads == t }.map(\.gflops)).max()! * 1.08
            let plotW = panelW - left - right
            func px(_ n: Int) -> Double {
                guard let lo = sizes.first, let hi = sizes.last, hi > lo else { return x0 + left + plotW / 2 }
                return x0 + left + plotW * (log2(Double(n)) - log2(Double(lo))) / (log2(Double(hi)) - log2(Double(lo)))
            }
            func py(_ g: Double) -> Double { top + panelH * (1 - g / maxY) }
            s += "<text x=\"\(x0 + left)\" y=\"\(top - 15)\" font-size=\"13\" font-weight=\"bold\">GEMM GFLOP/s, \(t) thread\(t == 1 ? "" : "s")</text>\n"
            s += "<rect x=\"\(x0 + left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(panelH)\" fill=\"none\" stroke=\"#888\"/>\n"
            for i in 0...5 {
                let g = maxY * Double(i) / 5
                s += "<line x1=\"\(x0 + left)\" x2=\"\(x0 + left + plotW)\" y1=\"\(py(g))\" y2=\"\(py(g))\" stroke=\"#eee\"/>\n"
                s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", x0 + left - 5, py(g) + 4, g)
            }
            for n in sizes {
                s += "<text x=\"\(px(n))\" y=\"\(top + panelH + 15)\" text-anchor=\"middle\">\(n)</text>\n"
            }
            s += "<text x=\"\(x0 + left + plotW / 2)\" y=\"\(top + panelH + 32)\" text-anchor=\"middle\">n (log scale)</text>\n"
            for (dtype, impl, dashed, color) in series {
                let pts = gemm.filter { $0.dtype == dtype && $0.threads == t }.sorted { $0.n < $1.n }
                    .compactMap { r -> String? in
                        let g = impl == "ours" ? r.gflopsBest : r.numpyBest
                        return g.map { String(format: "%.1f,%.1f", px(r.n), py($0)) }
                    }
                if pts.isEmpty { continue }
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6,4\"" : "") points=\"\(pts.joined(separator: " "))\"/>\n"
            }
            for (dtype, color) in [("float32", "#1f77b4"), ("float64", "#d62728")] {
                if let p = peak(dtype, t) {
                    s += "<line x1=\"\(x0 + left)\" x2=\"\(x0 + left + plotW)\" y1=\"\(py(p))\" y2=\"\(py(p))\" stroke=\"\(color)\" stroke-dasharray=\"1,3\"/>\n"
                }
            }
        }
        let ly = top + panelH + 52
        let legend = [("ours Float (solid)", "#1f77b4", ""), ("ours Double (solid)", "#d62728", ""),
                      ("NumPy Float/Double (dashed)", "#555", "6,4"), ("micro-kernel peak in L1 (dotted)", "#555", "1,3")]
        for (i, (label, color, dash)) in legend.enumerated() {
            let lx = 20 + left + Double(i) * 200
            s += "<line x1=\"\(lx)\" x2=\"\(lx + 25)\" y1=\"\(ly)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
            s += "<text x=\"\(lx + 30)\" y=\"\(ly + 4)\">\(label)</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
