import Foundation
@_spi(Benchmarks) import Autodiff
import Tensors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The peers' scalar chain (../shared/peers/chain.py, chain_swift_ad.swift):
//
//     y = x0;  repeat S times:  y = tanh(y·a + b);   ∂y/∂(x0, a, b)
//
// x0 = 0.5, a = 0.9, b = 0.1 are *variables* (Double, rank 0); 3 ops a step (multiply, add,
// tanh), S = ⌈N/3⌉; built and differentiated once on a fresh tape per repetition, forward and
// reverse timed separately, as the peers do (the tape's teardown is timed on its own, outside).

/// One size of the peers' chain: our times and Swift's compiler AD's, in the same run.
struct PeerChainResult {
    let requested: Int, ops: Int
    /// Best forward + reverse of the repetitions, and the medians of each part (seconds).
    let totalBest: Double, forwardMedian: Double, reverseMedian: Double, teardownMedian: Double
    /// Whether (y, x̄0, ā, b̄) matched the closed-form reverse sweep (relative 1e-12).
    let checked: Bool
    /// `chain_swift_ad`'s best total and medians (seconds), when it ran.
    var swiftAD: (totalBest: Double, forwardMedian: Double, reverseMedian: Double)? = nil
    var nsPerOp: Double { totalBest / Double(ops) * 1e9 }
    var forwardNsPerOp: Double { forwardMedian / Double(ops) * 1e9 }
    var reverseNsPerOp: Double { reverseMedian / Double(ops) * 1e9 }
    /// Ours over Swift AD's, best against best (≤ 1: we are faster).
    var ratio: Double? { swiftAD.map { totalBest / $0.totalBest } }
}

/// Memory of the chain: bytes per recorded rank-0 op and the peak RSS of the 10⁶-op chain.
struct ChainMemory {
    /// Peak bytes per recorded op while recording the 10⁶-op chain (records, the record buffer's
    /// doubling, any values), from the peak RSS over the executable's own; nil where not measured.
    let tapeBytesPerOp: Double?
    /// The fixed size of one record (`MemoryLayout.stride`), and of one adjoint slot in the reverse pass.
    let recordStride: Int, adjointStride: Int
    /// Peak resident set (bytes) of a child process that builds and differentiates 10⁶ ops, and of
    /// one that does nothing (the executable's own footprint); nil where not measurable.
    var peakRSS: Int? = nil, baselineRSS: Int? = nil
}

/// y = tanh(y·a + b), `steps` times.
@inline(never)
func peerChain(_ x: Variable<Double>, _ a: Variable<Double>, _ b: Variable<Double>, steps: Int) -> Variable<Double> {
    var y = x
    for _ in 0..<steps { y = tanh(y * a + b) }
    return y
}

/// The chain's value and gradient by hand: the closed-form reverse sweep of chain.py's `reference`.
func peerChainReference(steps: Int, x0: Double = 0.5, a: Double = 0.9, b: Double = 0.1) -> [Double] {
    var ys = [x0]
    ys.reserveCapacity(steps + 1)
    for _ in 0..<steps { ys.append(Double.tanh(ys[ys.count - 1] * a + b)) }
    var gy = 1.0, ga = 0.0, gb = 0.0
    var i = steps
    while i > 0 {
        let dz = gy * (1 - ys[i] * ys[i])
        ga += dz * ys[i - 1]
        gb += dz
        gy = dz * a
        i -= 1
    }
    return [ys[steps], gy, ga, gb]
}

/// One repetition: (forward, reverse, teardown) seconds and (y, x̄0, ā, b̄).
@inline(never)
func runPeerChain(steps: Int) -> (forward: Double, reverse: Double, teardown: Double, values: [Double]) {
    var t0 = 0.0, t1 = 0.0, t2 = 0.0
    var values: [Double] = []
    do {
        let tape = Tape<Double>()
        t0 = now()
        let x = tape.variable(Tensor(0.5)), a = tape.variable(Tensor(0.9)), b = tape.variable(Tensor(0.1))
        let y = peerChain(x, a, b, steps: steps)
        t1 = now()
        let g = tape.gradient(of: y, wrt: [x, a, b])
        t2 = now()
        values = [y.value.scalar, g[0].scalar, g[1].scalar, g[2].scalar]
    }  // the last reference to the tape goes here: its records are destroyed
    let t3 = now()
    return (t1 - t0, t2 - t1, t3 - t2, values)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// The peers' chain at each requested size, `chain_swift_ad` run just before each of ours.
func benchPeerChain(quick: Bool, swiftAD: SwiftADPeer) -> [PeerChainResult] {
    let sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]
    _ = runPeerChain(steps: 30)  // warm-up
    return sizes.map { n in
        let theirs = swiftAD.available ? swiftAD.run(n: n, reps: quick ? 3 : 7) : nil
        let steps = (n + 2) / 3
        var fw: [Double] = [], bw: [Double] = [], td: [Double] = [], checked = true
        let reps = quick ? 3 : (n >= 1_000_000 ? 7 : 15)
        for r in 0..<reps {
            let run = runPeerChain(steps: steps)
            fw.append(run.forward); bw.append(run.reverse); td.append(run.teardown)
            if r == 0 {
                for (v, w) in Swift.zip(run.values, peerChainReference(steps: steps))
                where Swift.abs(v - w) > 1e-12 * Swift.max(1, Swift.abs(w)) { checked = false }
            }
        }
        var result = PeerChainResult(requested: n, ops: 3 * steps, totalBest: Swift.zip(fw, bw).map { $0 + $1 }.min()!,
                                     forwardMedian: median(fw), reverseMedian: median(bw), teardownMedian: median(td),
                                     checked: checked)
        result.swiftAD = theirs
        return result
    }
}

/// The reverse pass alone over the peers' chain at 10³ … 10⁶ ops (it must grow linearly).
func benchReverse(quick: Bool) -> [ReverseResult] {
    let sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]
    return sizes.map { n in
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(0.5)), a = tape.variable(Tensor(0.9)), b = tape.variable(Tensor(0.1))
        let y = peerChain(x, a, b, steps: (n + 2) / 3)
        let t = measure(minTime: quick ? 0.05 : 0.2, reps: quick ? 3 : 5) { blackHole(tape.gradient(of: y, wrt: [x, a, b])) }
        return ReverseResult(ops: 3 * ((n + 2) / 3), seconds: t.best)
    }
}

/// The peak resident set of this process so far, in bytes: `VmHWM` of /proc/self/status on
/// Linux (getrusage's ru_maxrss survives exec there, so a child would report its parent's peak),
/// ru_maxrss (bytes) on macOS.
func peakRSS() -> Int? {
    #if os(Linux)
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
    return kib * 1024
    #else
    var usage = rusage()
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss)
    #endif
}

/// The memory of the 10⁶-op chain, from the peak RSS of child runs of this executable
/// (`--chain-rss N [forward]`): recording alone, recording and reverse pass, and nothing.
func measureChainMemory() -> ChainMemory {
    let me = CommandLine.arguments[0]
    func child(_ arguments: [String]) -> Int? {
        Peers.run(me, ["--chain-rss"] + arguments, env: [:]).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    let ops = 3 * ((1_000_000 + 2) / 3)
    let base = child(["0"]), recorded = child(["1000000", "forward"]), both = child(["1000000"])
    var memory = ChainMemory(tapeBytesPerOp: recorded.flatMap { r in base.map { Double(r - $0) / Double(ops) } },
                             recordStride: Tape<Double>.recordStride, adjointStride: MemoryLayout<Tensor<Double>?>.stride)
    memory.peakRSS = both
    memory.baselineRSS = base
    return memory
}

/// `--chain-rss N [forward]`: records the N-op chain once (and differentiates it unless
/// `forward`), then prints the peak RSS in bytes.
func chainRSSChild(_ n: Int, forwardOnly: Bool) {
    if n > 0 {
        let tape = Tape<Double>()
        let x = tape.variable(Tensor(0.5)), a = tape.variable(Tensor(0.9)), b = tape.variable(Tensor(0.1))
        let y = peerChain(x, a, b, steps: (n + 2) / 3)
        if !forwardOnly { blackHole(tape.gradient(of: y, wrt: [x, a, b])) }
        blackHole(y)
    }
    print(peakRSS().map(String.init) ?? "-")
}

/// Builds `chain_swift_ad.swift` from the peers folder with `swiftc -O` into a temporary folder
/// and runs it; absent swiftc or the file, the comparison is skipped with a message.
struct SwiftADPeer {
    let executable: String?
    let whyUnavailable: String
    var available: Bool { executable != nil }

    init(peersDirectory: String?) {
        let fm = FileManager.default
        let env = ProcessInfo.processInfo.environment
        let dirs = [env["BACKPROP_PEERS"], peersDirectory, fm.currentDirectoryPath + "/../shared/peers"].compactMap { $0 }
        guard let dir = dirs.first(where: { fm.fileExists(atPath: $0 + "/chain_swift_ad.swift") }) else {
            executable = nil
            whyUnavailable = "chain_swift_ad.swift not found (tried $BACKPROP_PEERS and ../shared/peers)"
            return
        }
        let path = env["PATH"] ?? ""
        guard let swiftc = (path.split(separator: ":").map { "\($0)/swiftc" } + ["/usr/bin/swiftc"])
            .first(where: fm.isExecutableFile(atPath:)) else {
            executable = nil
            whyUnavailable = "swiftc not found on PATH"
            return
        }
        let out = fm.temporaryDirectory.appendingPathComponent("backprop-chain-swift-ad-\(getpid())").path
        if Peers.run(swiftc, ["-O", dir + "/chain_swift_ad.swift", "-o", out], env: [:]) == nil || !fm.isExecutableFile(atPath: out) {
            executable = nil
            whyUnavailable = "swiftc -O chain_swift_ad.swift failed"
            return
        }
        executable = out
        whyUnavailable = ""
    }

    /// Best total and median forward/reverse seconds of `swift_ad` at one requested size.
    func run(n: Int, reps: Int) -> (totalBest: Double, forwardMedian: Double, reverseMedian: Double)? {
        guard let executable, let text = Peers.run(executable, [String(n), String(reps), "60"], env: [:]) else { return nil }
        for line in text.split(separator: "\n") {
            guard let r = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  r["impl"] as? String == "swift_ad", let best = r["total_s_min"] as? Double,
                  let f = r["fwd_s_median"] as? Double, let b = r["bwd_s_median"] as? Double else { continue }
            return (best, f, b)
        }
        return nil
    }

    /// Removes the built executable.
    func remove() { if let executable { try? FileManager.default.removeItem(atPath: executable) } }
}
