import Foundation

/// `text` padded with spaces to `width` characters: on the left for a positive width (right-aligned),
/// on the right for a negative one.
func pad(_ text: String, _ width: Int) -> String {
    let fill = String(repeating: " ", count: Swift.max(0, Swift.abs(width) - text.count))
    return width >= 0 ? fill + text : text + fill
}

/// Prints results as they are measured: a table, or one JSON object per line with `--json`.
struct Log {
    let json: Bool
    private final class State { var section = "" }
    private let state = State()

    private func section(_ name: String, _ header: String) {
        if json || state.section == name { return }
        state.section = name
        print("\n\(header)")
    }
    private func emit(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
    func note(_ text: String) {
        if json { emit(["bench": "note", "text": text]) } else { print("note: \(text)") }
    }
    func peak(_ p: PeakResult) {
        section("peak", "Peaks (SSE2 mul+add loop, 12 chains; the active C micro-kernel in L1)\n  dtype    threads   GFLOP/s  instructions")
        if json { return emit(["bench": "peak", "instructions": p.instructions, "dtype": p.dtype, "threads": p.threads,
                                "gflops": p.gflops]) }
        print("  " + pad(p.dtype, -8) + String(format: " %7d %9.1f  ", p.threads, p.gflops) + p.instructions)
    }
    func gemm(_ r: GEMMResult) {
        section("gemm", "GEMM C = A·B, n × n (2n³ flops; best of reps)\n  dtype     n     threads   GFLOP/s  (median)  NumPy GFLOP/s   ratio  kernel")
        if json {
            var o: [String: Any] = ["bench": "gemm", "impl": "backprop", "kernel": r.kernel.rawValue, "dtype": r.dtype, "n": r.n, "threads": r.threads,
                                    "gflops_best": r.gflops_best, "gflops_median": r.gflopsMedian]
            if let np = r.numpyBest { o["numpy_gflops_best"] = np; o["ratio"] = r.ratio! }
            return emit(o)
        }
        let np = r.numpyBest.map { String(format: "%13.1f   %5.2f", $0, r.ratio!) } ?? "            –       –"
        print("  " + pad(r.dtype, -8) + String(format: " %5d %7d %10.1f %9.1f ", r.n, r.threads, r.gflopsBest,
                     r.gflopsMedian) + np + "  " + r.kernel.rawValue)
    }
    func train(_ r: TrainResult) {
        section("train", "Training step (forward, loss, backward, SGD; mlp.py's three nets), ms best; ratio = ours / fastest peer\n"
                + "  net    threads  dtype     ours ms     numpy ms    torch ms  jax_jit ms  ratio (≤1 is faster)  faults/step  loss0 ours   (start)")
        if json {
            var o: [String: Any] = ["bench": "train_step", "impl": "backprop", "net": r.net, "layers": r.layers, "threads": r.threads,
                                    "batch": r.batch, "dtype": r.dtype, "ms_best": r.msBest, "ms_median": r.msMedian,
                                    "loss0": r.firstLoss, "loss4": r.fifthLoss, "same_start": r.sameStart,
                                    "page_faults_per_step": r.faultsPerStep]
            for p in r.peers {
                o["\(p.impl)_ms_best"] = p.msBest; o["\(p.impl)_ms_median"] = p.msMedian
                o["\(p.impl)_loss0"] = p.loss0; o["\(p.impl)_loss4"] = p.loss4
            }
            if let f = r.fastest, let ratio = r.ratio { o["fastest_peer"] = f.impl; o["ratio"] = ratio }
            o["loss_mismatches"] = r.lossMismatches.count
            return emit(o)
        }
        let peers = MLPPeers.implementations.map { impl in pad(r.peer(impl).map { milliseconds($0.msBest) } ?? "–", 11) }.joined(separator: " ")
        let ratio = r.ratio.map { String(format: "%.2f vs %@", $0, r.fastest!.impl) } ?? "–"
        let loss = String(format: "%.6f", r.firstLoss) + (r.sameStart ? "  (mlp.py's" + (r.peers.isEmpty ? ", no peer)" : r.lossMismatches.isEmpty ? ", losses agree)" : ", LOSSES DIFFER)")
                                                                        : "  (own data)")
        print("  " + pad(r.net, -7) + pad(String(r.threads), 7) + "  " + pad(r.dtype, -8) + pad(milliseconds(r.msBest), 9) + "   "
              + peers + "  " + pad(ratio, -21) + " " + pad(String(format: "%.0f", r.faultsPerStep), 11) + "  " + loss)
    }
    func torchStep(_ r: TorchStepResult) {
        section("torch", "Convolutional and recurrent steps (torch_steps.py: forward, loss, backward, SGD), Float\n  net     input            threads  ms best (median)   PyTorch ms best (median)   ratio (≤1 is faster)  first loss (PyTorch)")
        if json {
            var o: [String: Any] = ["bench": "torch_step", "impl": "backprop", "net": r.net, "input": r.input, "threads": r.threads,
                                    "dtype": "float32", "ms_best": r.msBest, "ms_median": r.msMedian, "first_loss": r.firstLoss,
                                    "updates": r.updates]
            if let b = r.torchBest, let m = r.torchMedian { o["torch_ms_best"] = b; o["torch_ms_median"] = m; o["ratio"] = r.ratio! }
            if let l = r.torchFirstLoss { o["torch_loss0"] = l }
            return emit(o)
        }
        let input = "[" + r.input.map(String.init).joined(separator: ", ") + "]"
        let ours = pad(milliseconds(r.msBest), 9) + " (" + milliseconds(r.msMedian) + ")"
        let theirs = r.torchBest.map { pad(milliseconds($0), 9) + " (" + milliseconds(r.torchMedian!) + ")" } ?? "–"
        let ratio = r.ratio.map { String(format: "%6.2f", $0) } ?? "     –"
        let loss = String(format: "%.4f", r.firstLoss) + (r.torchFirstLoss.map { String(format: " (%.4f)", $0) } ?? "")
        print("  " + pad(r.net, -7) + " " + pad(input, -16) + " " + pad(String(r.threads), 7) + "  " + pad(ours, -18) + " "
              + pad(theirs, -26) + " " + pad(ratio, -21) + " " + loss + (r.updates ? "" : "  (NO UPDATE)"))
    }
    func peerChain(_ r: PeerChainResult) {
        section("peerchain", "Scalar chain y = tanh(y·a + b), a and b variables (rank-0 Double), fresh tape; Swift AD = chain_swift_ad\n        ops  ns/op (best)  forward  reverse  teardown (medians, ns/op)   Swift AD ns/op (fwd, rev)   ratio (≤1 is faster)  check")
        if json {
            var o: [String: Any] = ["bench": "chain", "impl": "backprop", "n": r.requested, "ops": r.ops,
                                    "ns_per_op_min": r.nsPerOp, "fwd_ns_per_op_median": r.forwardNsPerOp,
                                    "bwd_ns_per_op_median": r.reverseNsPerOp,
                                    "teardown_ns_per_op_median": r.teardownMedian / Double(r.ops) * 1e9,
                                    "check_vs_reference": r.checked]
            if let s = r.swiftAD {
                o["swift_ad_ns_per_op_min"] = s.totalBest / Double(r.ops) * 1e9
                o["swift_ad_fwd_ns_per_op_median"] = s.forwardMedian / Double(r.ops) * 1e9
                o["swift_ad_bwd_ns_per_op_median"] = s.reverseMedian / Double(r.ops) * 1e9
                o["ratio"] = r.ratio!
            }
            return emit(o)
        }
        let per = { (s: Double) in s / Double(r.ops) * 1e9 }
        let theirs = r.swiftAD.map { String(format: "%8.1f (%.1f, %.1f)", per($0.totalBest), per($0.forwardMedian), per($0.reverseMedian)) } ?? "       –"
        let ratio = r.ratio.map { String(format: "%6.2f", $0) } ?? "     –"
        print(String(format: "  %9d %11.1f %8.1f %8.1f %9.1f              ", r.ops, r.nsPerOp, r.forwardNsPerOp, r.reverseNsPerOp,
                     per(r.teardownMedian)) + pad(theirs, -27) + " " + pad(ratio, -21) + (r.checked ? " ok" : " WRONG"))
    }
    func chainMemory(_ m: ChainMemory) {
        let rss = m.peakRSS.map { String(format: "%.1f MiB", Double($0) / 1048576) } ?? "–"
        let base = m.baselineRSS.map { String(format: "%.1f MiB", Double($0) / 1048576) } ?? "–"
        if json {
            var o: [String: Any] = ["bench": "chain_memory", "record_stride": m.recordStride, "adjoint_stride": m.adjointStride]
            if let b = m.tapeBytesPerOp { o["tape_bytes_per_op"] = b }
            if let p = m.peakRSS { o["peak_rss_bytes_1e6_ops"] = p }
            if let p = m.baselineRSS { o["baseline_rss_bytes"] = p }
            return emit(o)
        }
        let perOp = m.tapeBytesPerOp.map { String(format: "%.1f", $0) } ?? "–"
        print("  memory: \(perOp) peak bytes per recorded rank-0 op (record \(m.recordStride) B, adjoint slot \(m.adjointStride) B); "
              + "peak RSS of the 10⁶-op chain, forward + reverse: " + rss + " (executable alone " + base + ")")
    }
    func chain(_ c: ChainResult) {
        section("chain", "Tape overhead: the same chain at 10⁴ ops, anomaly detection off and on")
        if json { return emit(["bench": "scalar_chain", "ops": c.ops, "ns_per_op": c.nsPerOp,
                                "forward_ns_per_op": c.forwardNsPerOp, "detecting_ns_per_op": c.detectingNsPerOp ?? -1]) }
        print(String(format: "  forward + reverse: %.1f ns/op   (forward alone %.1f ns/op; %d ops)",
                     c.nsPerOp, c.forwardNsPerOp, c.ops))
        if let d = c.detectingNsPerOp { print(String(format: "  with anomaly detection: %.1f ns/op", d)) }
    }
    func reverse(_ r: ReverseResult) {
        section("reverse", "Reverse pass alone over the chain y = tanh(y·a + b)\n        ops      ms     ns/op")
        if json { return emit(["bench": "reverse_pass", "ops": r.ops, "seconds": r.seconds, "ns_per_op": r.nsPerOp]) }
        print(String(format: "  %9d %8.3f %9.1f", r.ops, r.seconds * 1e3, r.nsPerOp))
    }
}

extension GEMMResult { var gflops_best: Double { gflopsBest } }

/// Everything one run measured, and the documents made from it.
struct Report {
    let quick: Bool
    let threads: Int
    var numpyAvailable = false
    var peersDirectory: String? = nil
    var peaks: [PeakResult] = []
    /// GEMM with the best micro-kernel (the verdicts, the chart).
    var gemm: [GEMMResult] = []
    /// GEMM with each narrower micro-kernel, one thread (the dispatch table).
    var gemmPaths: [GEMMResult] = []
    var training: [TrainResult] = []
    /// The python that ran mlp.py, and the implementations it could import.
    var mlpPython: String? = nil
    var mlpPeers: [String] = []
    var torchSteps: [TorchStepResult] = []
    var torchPython: String? = nil
    var chain: ChainResult? = nil
    var peerChain: [PeerChainResult] = []
    var chainMemory: ChainMemory? = nil
    var reverse: [ReverseResult] = []
    var higher: HigherOrderResult? = nil

    /// The ceiling for our GEMM: the C micro-kernel's L1 peak (Note [Kernel peak]) where a C
    /// kernel runs, else the SSE2 loop's (Note [Peak loop]).
    func peak(_ dtype: String, _ t: Int) -> Double? { peakResult(dtype, t)?.gflops }
    func peakResult(_ dtype: String, _ t: Int) -> PeakResult? {
        let mine = peaks.filter { $0.dtype == dtype && $0.threads == t }
        return mine.first { $0.instructions != "sse2 mul+add" } ?? mine.first
    }

    /// Whether a multi-thread GEMM row was disturbed by other work on this shared machine: for
    /// n ≥ 256, where both implementations scale (1.8–2× on a quiet machine), the threaded figure
    /// must be at least 1.3× the one-thread figure, for NumPy and for us. A disturbed row's ratio
    /// is shown but kept out of the verdicts (a busy core can make OpenBLAS's spinning threads 40×
    /// slower, or halve ours, either of which would fake a verdict).
    func isDisturbed(_ r: GEMMResult) -> Bool {
        guard r.threads > 1, r.n >= 256,
              let one = gemm.first(where: { $0.dtype == r.dtype && $0.n == r.n && $0.threads == 1 }) else { return false }
        if r.gflopsBest < 1.3 * one.gflopsBest { return true }
        if let np = r.numpyBest, let np1 = one.numpyBest, np < 1.3 * np1 { return true }
        return false
    }

    /// The issue's targets, each with its measured value and verdict.
    func targets() -> [(target: String, measured: String, met: Bool?)] {
        var rows: [(String, String, Bool?)] = []
        for dtype in ["float32", "float64"] {
            for t in Set([1, threads]).sorted() {
                let all = gemm.filter { $0.dtype == dtype && $0.threads == t && $0.n >= 256 }
                let big = all.filter { !isDisturbed($0) }
                let ratios = big.compactMap(\.ratio)
                let label = "GEMM ≥ 0.9× NumPy, n ≥ 256, \(dtype), \(t) thread\(t == 1 ? "" : "s")"
                if ratios.isEmpty {
                    rows.append((label, all.isEmpty || all.allSatisfy({ $0.ratio == nil }) ? "NumPy not measured"
                                 : "machine busy: every row disturbed (see †)", nil))
                    continue
                }
                let lo = ratios.min()!, hi = ratios.max()!
                let skipped = all.count - big.count
                rows.append((label, String(format: "%.2f … %.2f×", lo, hi)
                             + (skipped > 0 ? " (\(skipped) disturbed row\(skipped == 1 ? "" : "s") left out)" : ""), lo >= 0.9))
            }
        }
        for r in training {
            let label = "\(r.net) step ≤ 1.0× the fastest of NumPy, PyTorch and JAX jit, \(r.threads) thread\(r.threads == 1 ? "" : "s")"
            guard let ratio = r.ratio, let f = r.fastest else { rows.append((label, "no peer measured", nil)); continue }
            let missing = MLPPeers.implementations.filter { r.peer($0) == nil }
            rows.append((label, String(format: "%.2f× %@ (%@ ms vs %@ ms)", ratio, f.impl as NSString, milliseconds(r.msBest) as NSString,
                                       milliseconds(f.msBest) as NSString) + (missing.isEmpty ? "" : "; not measured: " + missing.joined(separator: ", ")),
                         ratio <= 1.0))
            if r.sameStart {
                let bad = r.lossMismatches
                rows.append(("\(r.net), \(r.threads) thread\(r.threads == 1 ? "" : "s"): peers' loss0 and loss4 equal ours from mlp.py's start (relative \(String(format: "%.0e", r.lossTolerance)))",
                             bad.isEmpty ? "\(r.peers.count) peer\(r.peers.count == 1 ? "" : "s") agree" : bad.joined(separator: "; "), r.peers.isEmpty ? nil : bad.isEmpty))
            }
            if r.net == "xor", let np = r.peer("numpy") {
                rows.append(("xor (2-2-1) step ≥ 5× faster than NumPy, \(r.threads) thread\(r.threads == 1 ? "" : "s")",
                             String(format: "%.1f× faster", np.msBest / r.msBest), np.msBest / r.msBest >= 5))
            }
        }
        for r in torchSteps {
            let label = "\(r.net) step ≤ 1.0× PyTorch eager's, \(r.threads) thread\(r.threads == 1 ? "" : "s")"
            if !r.updates { rows.append((label, "the step did not update every parameter, or its loss is not finite", false)); continue }
            guard let ratio = r.ratio, let theirs = r.torchBest else { rows.append((label, "PyTorch not measured", nil)); continue }
            rows.append((label, String(format: "%.2f× (%@ ms vs %@ ms)", ratio, milliseconds(r.msBest) as NSString, milliseconds(theirs) as NSString),
                         ratio <= 1.0))
        }
        if let r = peerChain.max(by: { $0.ops < $1.ops }) {
            let label = "scalar chain y = tanh(y·a + b) at \(r.ops) ops ≤ 1.0× Swift's compiler AD, forward + reverse"
            if let ratio = r.ratio {
                rows.append((label, String(format: "%.2f× (%.1f vs %.1f ns/op)", ratio, r.nsPerOp, r.swiftAD!.totalBest / Double(r.ops) * 1e9),
                             ratio <= 1.0 && r.checked))
            } else {
                rows.append((label, String(format: "%.1f ns/op; chain_swift_ad not measured", r.nsPerOp), nil))
            }
        }
        if let first = reverse.first, let last = reverse.last, last.ops > first.ops {
            let growth = last.nsPerOp / first.nsPerOp
            rows.append(("reverse pass linear in tape length (ns/op flat)",
                         String(format: "%.0f → %.0f ns/op over %d → %d ops", first.nsPerOp, last.nsPerOp, first.ops, last.ops),
                         growth < 2.0))
        }
        if let h = higher {
            rows.append(("Hessian–vector product ≤ 5× one gradient (400-25-10, m = 5000)",
                         String(format: "%.2f× (%.1f ms vs %.1f ms)", h.hvpRatio, h.hvpMs, h.gradientMs), h.hvpRatio <= 5))
        }
        return rows
    }

    func summary() -> String {
        var s = "\nTargets (ratios in this run)\n"
        for t in targets() {
            let verdict = t.met.map { $0 ? "met" : "NOT met" } ?? "not measured"
            s += "  \(t.target): \(t.measured) — \(verdict)\n"
        }
        return s
    }

    /// Writes Docs/Performance.md and Docs/performance.svg under the current directory.
    func writeDocs() throws -> [String] {
        let docs = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        let md = docs.appendingPathComponent("Performance.md"), svg = docs.appendingPathComponent("performance.svg")
        try markdown().write(to: md, atomically: true, encoding: .utf8)
        try chart().write(to: svg, atomically: true, encoding: .utf8)
        return [md.path, svg.path]
    }
}
