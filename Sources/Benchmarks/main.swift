import Foundation
import Autodiff
import Tensors

// swift run -c release Benchmarks [--quick] [--json] [--write-docs]
//
// Ratios, not absolute claims: every comparison with NumPy is measured in the same run on
// the same (shared, noisy) machine. See Docs/Performance.md for the method.

let arguments = Set(CommandLine.arguments.dropFirst())
// --profile-chain: only the scalar chain, for `valgrind --tool=callgrind` (see Docs/Performance.md).
if arguments.contains("--profile-chain") {
    for _ in 0..<20 {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(1.0))
        blackHole(tape.gradient(of: scalarChain(tape, x, ops: 10_000), wrt: [x]))
    }
    exit(0)
}
// --profile-xor: only the 2-2-1 training step, for callgrind.
if arguments.contains("--profile-xor") {
    var net = xorNet()
    for _ in 0..<2000 { blackHole(net.step(&net)) }
    exit(0)
}
for a in arguments where !["--quick", "--json", "--write-docs", "--help"].contains(a) {
    FileHandle.standardError.write(Data("unknown option \(a)\n".utf8))
    exit(2)
}
if arguments.contains("--help") {
    print("usage: Benchmarks [--quick] [--json] [--write-docs]")
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

// Peak: SSE2 mul+add (Note [Peak loop]).
for dtype in ["float32", "float64"] {
    for t in Set([1, allThreads]).sorted() {
        let p = measurePeak(dtype: dtype, threads: t, quick: quick)
        report.peaks.append(p)
        log.peak(p)
    }
}

// GEMM.
let sizes = quick ? [64, 256] : [64, 128, 256, 512, 1024, 2048]
for t in Set([1, allThreads]).sorted() {
    let numpy = peers.available ? peers.gemm(sizes: sizes, threads: t, quick: quick) : [:]
    for dtype in ["float32", "float64"] {
        for n in sizes {
            var r = dtype == "float32" ? benchGEMM(Float.self, n: n, threads: t, quick: quick)
                                       : benchGEMM(Double.self, n: n, threads: t, quick: quick)
            r.numpyBest = numpy["\(dtype)/\(n)"]
            report.gemm.append(r)
            log.gemm(r)
        }
    }
}

// Training steps.
let numpyMLP = peers.available ? peers.mlp(quick: quick) : [:]
for var r in benchTraining(quick: quick) {
    if let p = numpyMLP[r.net] {
        r.numpyBest = p.best
        r.numpyFirstLoss = p.firstLoss
    }
    report.training.append(r)
    log.train(r)
}

// Tape overhead.
let chain = benchScalarChain(quick: quick)
report.chain = chain
log.chain(chain)
for r in benchReverse(quick: quick) {
    report.reverse.append(r)
    log.reverse(r)
}

if !json { print(report.summary()) }
if arguments.contains("--write-docs") {
    do {
        let written = try report.writeDocs()
        log.note("wrote \(written.joined(separator: ", "))")
    } catch {
        FileHandle.standardError.write(Data("could not write docs: \(error)\n".utf8))
        exit(1)
    }
}
