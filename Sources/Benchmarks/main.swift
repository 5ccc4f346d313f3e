import Foundation
import Autodiff
import Tensors

// swift run -c release Benchmarks [--quick] [--json] [--write-docs]
//
// Ratios, not absolute claims: every comparison with NumPy is measured in the same run on
// the same (shared, noisy) machine. See Docs/Performance.md for the method.

let arguments = Set(CommandLine.arguments.dropFirst())
// --retain-freed-memory: glibc keeps freed memory for reuse (Note [Freed pages]); off by default, so
// that the figures are those an application gets without it.
if arguments.contains("--retain-freed-memory") && !MallocTuning.retainFreedMemory() {
    FileHandle.standardError.write(Data("note: --retain-freed-memory: the allocator has no such setting here\n".utf8))
}
// --profile-chain: only the peers' chain (y = tanh(y·a + b), 10⁴ ops), 20 times on a fresh tape,
// for `valgrind --tool=callgrind` (see Docs/Performance.md).
if arguments.contains("--profile-chain") {
    for _ in 0..<20 { blackHole(runPeerChain(steps: 3_334)) }
    exit(0)
}
// --profile-reverse: only the reverse pass over one recorded 10⁴-op peers' chain, 100 times, for callgrind.
if arguments.contains("--profile-reverse") {
    let tape = Tape<Double>()
    let x = tape.variable(Tensor(0.5)), a = tape.variable(Tensor(0.9)), b = tape.variable(Tensor(0.1))
    let y = peerChain(x, a, b, steps: 3_334)
    for _ in 0..<100 { blackHole(tape.gradient(of: y, wrt: [x, a, b])) }
    exit(0)
}
// --chain-rss N: one N-op peers' chain, built and differentiated; prints the peak RSS (bytes).
if let i = CommandLine.arguments.firstIndex(of: "--chain-rss") {
    chainRSSChild(i + 1 < CommandLine.arguments.count ? Int(CommandLine.arguments[i + 1]) ?? 0 : 0,
                  forwardOnly: CommandLine.arguments.contains("forward"))
    exit(0)
}
// --chain: only the peers' chain section (development aid).
if arguments.contains("--chain") {
    let swiftAD = SwiftADPeer(peersDirectory: Peers().directory)
    if !swiftAD.available { print("note: Swift AD comparison skipped: \(swiftAD.whyUnavailable)") }
    let log = Log(json: arguments.contains("--json"))
    for r in benchPeerChain(quick: arguments.contains("--quick"), swiftAD: swiftAD) { log.peerChain(r) }
    log.chainMemory(measureChainMemory())
    swiftAD.remove()
    exit(0)
}
// --profile-xor, --profile-ng, --profile-mnist [N] [--threads T] [--report]: only one training step,
// repeated (N times, for perf; the default counts suit callgrind), at T threads (default: all). With
// --report, five more steps first, then the N steps' mean and best time, minor page faults and CPU time
// (user, system) per step.
let threadsIndex = CommandLine.arguments.firstIndex(of: "--threads")
let profileThreads = threadsIndex.flatMap { $0 + 1 < CommandLine.arguments.count ? Int(CommandLine.arguments[$0 + 1]) : nil }
let profileSteps = CommandLine.arguments.indices.dropFirst()
    .filter { i in threadsIndex.map { i != $0 + 1 } ?? true }.compactMap { Int(CommandLine.arguments[$0]) }.first
if let t = profileThreads { Parallelism.threads = t }
func profile<S>(_ name: String, _ make: () -> Net<S>, steps: Int) {
    var net = make()
    let report = arguments.contains("--report")
    if report { for _ in 0..<5 { blackHole(net.step(&net)) } }
    let faults = minorPageFaults(), cpu = cpuSeconds(), start = now()
    var best = Double.infinity
    for _ in 0..<steps {
        let t = now()
        blackHole(net.step(&net))
        best = Swift.min(best, now() - t)
    }
    if report {
        let perStep = 1e3 / Double(Swift.max(1, steps)), used = cpuSeconds()
        print(String(format: "%@, %d threads, %d steps: %.3f ms mean, %.3f ms best, %.1f page faults per step, "
                     + "CPU ms per step: %.3f user, %.3f system", name, Parallelism.threads, steps, (now() - start) * perStep,
                     best * 1e3, Double(minorPageFaults() - faults) * perStep / 1e3, (used.user - cpu.user) * perStep,
                     (used.system - cpu.system) * perStep))
    }
}
if arguments.contains("--profile-xor") {
    profile("xor", { xorNet() }, steps: profileSteps ?? 2000)
    exit(0)
}
// --profile-cnn8, --profile-lenet5, --profile-lstm: only one torch_steps.py network's step,
// repeated, for callgrind (or `--profile-… N` steps under perf).
for (name, make) in torchNets where arguments.contains("--profile-\(name)") {
    let net = make()
    for _ in 0..<(name == "cnn8" ? 200 : 20) { blackHole(net.step()) }
    exit(0)
}
// --shapes: GFLOP/s of the training steps' products (development aid).
if arguments.contains("--shapes") {
    func run<S: TensorScalar>(_: S.Type, _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int) {
        let a = Tensor<S>(randomUniform: [m * k], seed: 1), b = Tensor<S>(randomUniform: [k * n], seed: 2)
        var c = [S](repeating: 0, count: m * n)
        for t in [1, 2] {
            Parallelism.threads = t
            let r = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                measure(minTime: 0.2, reps: 5) {
                    gemm(transposeA: tA, transposeB: tB, m: m, n: n, k: k, a: pa.baseAddress!, lda: tA ? m : k,
                         b: pb.baseAddress!, ldb: tB ? k : n, c: pc.baseAddress!, ldc: n, accumulate: false)
                } } } }
            print(S.self, tA, tB, m, n, k, "threads", t, String(format: "%.1f GFLOP/s", 2.0 * Double(m * n * k) / r.best / 1e9))
        }
    }
    run(Double.self, false, false, 5000, 25, 400); run(Double.self, false, false, 5000, 28, 400); run(Double.self, false, false, 5000, 64, 400); run(Double.self, false, false, 5000, 256, 400); run(Double.self, true, false, 400, 25, 5000)
    run(Double.self, false, true, 5000, 25, 10); run(Double.self, true, false, 25, 10, 5000)
    run(Float.self, false, false, 128, 256, 784); run(Float.self, true, false, 784, 256, 128)
    run(Float.self, false, true, 128, 256, 10); run(Float.self, true, false, 256, 10, 128)
    exit(0)
}
// --convolution: im2col + GEMM against the direct loops (Note [Convolution by im2col]).
if arguments.contains("--convolution") {
    benchConvolution()
    exit(0)
}
if arguments.contains("--profile-ng") {
    profile("ng", { ngNet() }, steps: profileSteps ?? 40)
    exit(0)
}
if arguments.contains("--profile-mnist") {
    profile("mnist", { mnistNet() }, steps: profileSteps ?? 20)
    exit(0)
}
for a in arguments where !["--profile-reverse", "--quick", "--json", "--write-docs", "--help", "--torch", "--gemm", "--mlp",
                                 "--retain-freed-memory"].contains(a) {
    FileHandle.standardError.write(Data("unknown option \(a)\n".utf8))
    exit(2)
}
if arguments.contains("--help") {
    print("usage: Benchmarks [--quick] [--json] [--write-docs] [--torch] [--gemm] [--mlp] [--chain] [--retain-freed-memory]")
    print("  --torch: only the PyTorch steps; --gemm: only the peaks and GEMM; --mlp: only the MLP steps; --chain: only the scalar chain")
    print("  --retain-freed-memory: MallocTuning.retainFreedMemory() first (glibc keeps freed memory; Note [Freed pages])")
    print("  --profile-xor|--profile-ng|--profile-mnist [N] [--threads T] [--report]: one step, N times, for perf or callgrind")
    exit(0)
}
let quick = arguments.contains("--quick")
let json = arguments.contains("--json")
let allThreads = ProcessInfo.processInfo.activeProcessorCount
var report = Report(quick: quick, threads: allThreads)
let log = Log(json: json)

let peers = Peers()
if !peers.available { log.note("NumPy comparison skipped: \(peers.whyUnavailable)") }
report.numpyAvailable = peers.available
report.peersDirectory = peers.directory
let torch = TorchPeer(peersDirectory: peers.directory)
if !torch.available { log.note("PyTorch comparison skipped: \(torch.whyUnavailable)") }
report.torchPython = torch.python

/// The torch_steps.py networks at 1 thread and all threads; for each thread count PyTorch runs
/// just before ours, so that both see the same load.
@MainActor func runTorchSteps() {
    for t in Set([1, allThreads]).sorted() {
        let theirs = torch.available ? torch.steps(threads: t, quick: quick) : [:]
        for (name, make) in torchNets {
            var r = benchTorchNet(make, threads: t, quick: quick)
            if let p = theirs[name] { (r.torchBest, r.torchMedian, r.torchFirstLoss) = (p.best, p.median, p.firstLoss) }
            if !r.updates { log.note("\(name): the first step left a parameter unchanged or gave a non-finite loss") }
            report.torchSteps.append(r)
            log.torchStep(r)
        }
    }
    Parallelism.threads = allThreads
}
// Training steps: at 1 thread and all threads, for each net each mlp.py peer runs just before
// ours, so that all see the same load; ours starts from mlp.py's start (Note [Same start]).
@MainActor func runTrainingSteps() {
    let mlpPeers = MLPPeers(peersDirectory: peers.directory)
    for (impl, why) in mlpPeers.skipped { log.note("mlp.py --impl \(impl) skipped: \(why)") }
    report.mlpPython = mlpPeers.python
    report.mlpPeers = mlpPeers.available
    for t in Set([1, allThreads]).sorted() {
        for spec in mlpNets {
            var steps: [PeerStep] = []
            for impl in mlpPeers.available {
                switch mlpPeers.step(impl: impl, net: spec.name, threads: t, allThreads: allThreads, quick: quick) {
                case .success(let p): steps.append(p)
                case .failure(let e): log.note("\(spec.name), \(t) thread\(t == 1 ? "" : "s"): \(impl) skipped: \(e)")
                }
            }
            var r = benchTraining(spec, threads: t, peers: mlpPeers, quick: quick) { log.note($0) }
            r.peers = steps
            for warning in r.lossMismatches { log.note("WARNING: " + warning) }
            report.training.append(r)
            log.train(r)
        }
    }
    Parallelism.threads = allThreads
}
if arguments.contains("--mlp") {
    runTrainingSteps()
    print(report.summary())
    exit(0)
}
if arguments.contains("--torch") {
    runTorchSteps()
    print(report.summary())
    exit(0)
}

// Peaks: SSE2 mul+add (Note [Peak loop]) and the active C micro-kernel in L1 (Note [Kernel peak]).
for dtype in ["float32", "float64"] {
    for t in Set([1, allThreads]).sorted() {
        let p = measurePeak(dtype: dtype, threads: t, quick: quick)
        report.peaks.append(p)
        log.peak(p)
        if let k = measureKernelPeak(dtype: dtype, threads: t, quick: quick) {
            report.peaks.append(k)
            log.peak(k)
        }
    }
}

// GEMM with the best kernel, against NumPy.
let sizes = quick ? [64, 256] : [64, 128, 256, 512, 1024, 2048]
// Each (dtype, n, threads) pair runs NumPy immediately before ours, so that both see the same
// load on this shared machine.
for t in Set([1, allThreads]).sorted() {
    for dtype in ["float32", "float64"] {
        for n in sizes {
            let numpy = peers.available ? peers.gemm(sizes: [n], dtypes: [dtype], threads: t, quick: quick) : [:]
            var r = dtype == "float32" ? benchGEMM(Float.self, n: n, threads: t, quick: quick)
                                       : benchGEMM(Double.self, n: n, threads: t, quick: quick)
            r.numpyBest = numpy["\(dtype)/\(n)"]
            report.gemm.append(r)
            log.gemm(r)
        }
    }
}
// The other dispatch paths on the same products (one thread).
for r in benchGEMMPaths(quick: quick, threads: 1) {
    report.gemmPaths.append(r)
    log.gemm(r)
}
if arguments.contains("--gemm") {
    print(report.summary())
    exit(0)
}

runTrainingSteps()

// Convolutional and recurrent steps against PyTorch eager.
runTorchSteps()

// Tape overhead: the peers' chain against Swift's compiler AD, its memory, anomaly detection.
let swiftAD = SwiftADPeer(peersDirectory: peers.directory)
if !swiftAD.available { log.note("Swift AD comparison skipped: \(swiftAD.whyUnavailable)") }
for r in benchPeerChain(quick: quick, swiftAD: swiftAD) {
    report.peerChain.append(r)
    log.peerChain(r)
}
swiftAD.remove()
report.chainMemory = measureChainMemory()
log.chainMemory(report.chainMemory!)
let chain = benchScalarChain(quick: quick)
report.chain = chain
log.chain(chain)
for r in benchReverse(quick: quick) {
    report.reverse.append(r)
    log.reverse(r)
}

// Higher order: HVP and JVP against one gradient of the same objective, same run.
let higher = benchHigherOrder(quick: quick)
report.higher = higher
if json {
    print(String(decoding: try! JSONSerialization.data(withJSONObject: [
        "bench": "higher_order", "gradient_ms": higher.gradientMs, "hvp_ms": higher.hvpMs, "jvp_ms": higher.jvpMs,
        "hvp_over_gradient": higher.hvpRatio, "jvp_over_gradient": higher.jvpRatio], options: [.sortedKeys]), as: UTF8.self))
} else {
    print(String(format: "higher order (400-25-10, m = 5000): gradient %.2f ms, HVP %.2f ms (%.2f× a gradient), JVP %.2f ms (%.2f×)",
                 higher.gradientMs, higher.hvpMs, higher.hvpRatio, higher.jvpMs, higher.jvpRatio))
}

if json {
    for t in report.targets() {
        var o: [String: Any] = ["bench": "target", "target": t.target, "measured": t.measured]
        if let met = t.met { o["met"] = met }
        print(String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
    }
} else {
    print(report.summary())
}
if arguments.contains("--write-docs") {
    do {
        let written = try report.writeDocs()
        log.note("wrote \(written.joined(separator: ", "))")
    } catch {
        FileHandle.standardError.write(Data("could not write docs: \(error)\n".utf8))
        exit(1)
    }
}
