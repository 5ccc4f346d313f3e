import Foundation
import Tensors

/// Runs the NumPy peers in `../shared/peers` (or `$BACKPROP_PEERS`) with python3, when both
/// exist, and parses their JSON lines.
struct Peers {
    let directory: String?
    let python: String?
    var available: Bool { directory != nil && python != nil }
    var whyUnavailable: String {
        if directory == nil { return "no peers folder (tried ../shared/peers and $BACKPROP_PEERS)" }
        if python == nil { return "python3 with NumPy not found" }
        return ""
    }

    init() {
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath
        // $BACKPROP_PEERS first, so that it overrides the default ../shared/peers.
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["BACKPROP_PEERS"], !env.isEmpty { candidates.append(env) }
        candidates.append(cwd + "/../shared/peers")
        // The package root, found from this source file (Sources/Benchmarks/Peers.swift).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("../shared/peers").path)
        directory = candidates.first { fm.fileExists(atPath: $0 + "/numpy_gemm.py") }
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // python3 as the shell would find it (first on PATH), then the usual places.
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let pythons = path.split(separator: ":").map { "\($0)/python3" }
            + ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
        var found: String? = nil
        for p in pythons where fm.isExecutableFile(atPath: p) {
            if Peers.run(p, ["-c", "import numpy"], env: [:]) != nil { found = p; break }
        }
        python = found
    }

    /// Runs a command and returns its standard output, or nil if it failed.
    static func run(_ executable: String, _ arguments: [String], env: [String: String]) -> String? {
        guard let r = capture(executable, arguments, env: env), r.status == 0 else { return nil }
        return r.stdout
    }

    /// Runs a peer script and returns its JSON objects.
    func script(_ name: String, _ arguments: [String], threads: Int?) -> [[String: Any]] {
        guard let directory, let python else { return [] }
        var env: [String: String] = [:]
        if let threads { env["OPENBLAS_NUM_THREADS"] = String(threads) }
        guard let text = Peers.run(python, [directory + "/" + name] + arguments, env: env) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// NumPy GEMM GFLOP/s (best) keyed by dtype and n.
    func gemm(sizes: [Int], dtypes: [String], threads: Int, quick: Bool) -> [String: Double] {
        var args = ["--sizes", sizes.map(String.init).joined(separator: ","), "--dtypes", dtypes.joined(separator: ",")]
        if quick { args += ["--reps", "2", "--min-time", "0.05"] }
        var out: [String: Double] = [:]
        for r in script("numpy_gemm.py", args, threads: threads) {
            if let dt = r["dtype"] as? String, let n = r["n"] as? Int, let g = r["gflops_best"] as? Double {
                out["\(dt)/\(n)"] = g
            }
        }
        return out
    }
}

/// Runs `torch_steps.py` from the peers folder with a python that imports torch:
/// `$BACKPROP_TORCH_PYTHON` if set, then `python3` and `python` as the shell would find them
/// (first on PATH). Absent torch (as on CI), every comparison is skipped with a message.
struct TorchPeer {
    let directory: String?
    let python: String?
    var available: Bool { directory != nil && python != nil }
    var whyUnavailable: String {
        if directory == nil { return "no peers folder with torch_steps.py (tried ../shared/peers and $BACKPROP_PEERS)" }
        if python == nil { return "no python with torch (tried $BACKPROP_TORCH_PYTHON, then python3 and python on PATH)" }
        return ""
    }

    init(peersDirectory: String?) {
        let fm = FileManager.default
        directory = peersDirectory.flatMap { fm.fileExists(atPath: $0 + "/torch_steps.py") ? $0 : nil }
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let p = env["BACKPROP_TORCH_PYTHON"], !p.isEmpty { candidates.append(p) }
        for dir in (env["PATH"] ?? "").split(separator: ":") { candidates += ["\(dir)/python3", "\(dir)/python"] }
        var found: String? = nil
        if directory != nil {
            for p in candidates where fm.isExecutableFile(atPath: p) {
                if Peers.run(p, ["-c", "import torch"], env: [:]) != nil { found = p; break }
            }
        }
        python = found
    }

    /// PyTorch's figures per net at `threads`: (ms best, ms median, first loss).
    func steps(threads: Int, quick: Bool) -> [String: (best: Double, median: Double, firstLoss: Double)] {
        guard let directory, let python else { return [:] }
        var args = [directory + "/torch_steps.py"]
        if quick { args += ["--reps", "3", "--min-time", "0.05"] }
        guard let text = Peers.run(python, args, env: ["PEERS_THREADS": String(threads), "OMP_NUM_THREADS": String(threads)])
        else { return [:] }
        var out: [String: (Double, Double, Double)] = [:]
        for line in text.split(separator: "\n") {
            guard let r = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let net = r["net"] as? String, let b = r["ms_min"] as? Double, let m = r["ms_median"] as? Double,
                  let l = r["loss0"] as? Double else { continue }
            out[net] = (b, m, l)
        }
        return out
    }
}

/// Why a peer's figures could not be had: each case reads as one line.
enum PeerError: Error, CustomStringConvertible {
    case failed(command: String, status: Int32, stderr: String)
    case notJSON(command: String, line: Int, text: String)
    case missingField(command: String, field: String, line: Int)
    case noRecord(command: String, net: String)
    case badStart(String)

    var description: String {
        switch self {
        case let .failed(c, s, e): return "`\(c)` exited with status \(s)" + (e.isEmpty ? "" : ": \(e)")
        case let .notJSON(c, l, t): return "`\(c)` printed line \(l), which is not a JSON object: \(t.prefix(120))"
        case let .missingField(c, f, l): return "`\(c)` line \(l) has no numeric field \"\(f)\""
        case let .noRecord(c, n): return "`\(c)` printed no record for net \(n)"
        case let .badStart(why): return why
        }
    }
}

/// The output of a finished child process.
struct ProcessOutput {
    let status: Int32, stdout: String, stderr: String
    /// The last non-empty line of standard error (a Python traceback's exception line).
    var lastError: String { stderr.split(separator: "\n").last.map(String.init) ?? "" }
}

extension Peers {
    /// Runs a command to completion, standard error into a temporary file (so that a chatty
    /// child cannot fill a pipe and block), or nil if it could not be started.
    static func capture(_ executable: String, _ arguments: [String], env: [String: String]) -> ProcessOutput? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-peer-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let errHandle = try? FileHandle(forWritingTo: errURL) else { return nil }
        defer { try? errHandle.close(); try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: err)
    }
}

/// `mlp.py` in the peers folder, run with one python for every implementation:
/// `$BACKPROP_TORCH_PYTHON` if set, else `python3` on PATH. Each `--impl` whose library that
/// python cannot import is skipped with a one-line reason.
struct MLPPeers {
    /// The implementations compared, in this order.
    static let implementations = ["numpy", "torch", "jax_jit"]
    /// The module each implementation imports.
    static let modules = ["numpy": "numpy", "torch": "torch", "jax_jit": "jax"]

    let script: String?
    let python: String?
    /// The implementations whose library imports.
    private(set) var available: [String] = []
    /// The others, each with why.
    private(set) var skipped: [(impl: String, reason: String)] = []
    /// Whether mlp.py's start can be exported (needs NumPy, which every implementation needs).
    var canMakeStart: Bool { script != nil && python != nil && available.contains("numpy") }

    init(peersDirectory: String?) {
        let fm = FileManager.default
        script = peersDirectory.map { $0 + "/mlp.py" }.flatMap { fm.fileExists(atPath: $0) ? $0 : nil }
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let p = env["BACKPROP_TORCH_PYTHON"], !p.isEmpty { candidates = [p] }
        else { candidates = (env["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"] }
        python = candidates.first { fm.isExecutableFile(atPath: $0) }
        guard script != nil else {
            skipped = Self.implementations.map { ($0, "no mlp.py in the peers folder (\(peersDirectory ?? "not found"))") }
            return
        }
        guard let python else {
            skipped = Self.implementations.map { ($0, "no python (tried \(candidates.first ?? "python3"))") }
            return
        }
        for impl in Self.implementations {
            let module = Self.modules[impl]!
            guard let r = Peers.capture(python, ["-c", "import \(module)"], env: [:]) else {
                skipped.append((impl, "\(python) could not be started")); continue
            }
            if r.status == 0 { available.append(impl) } else { skipped.append((impl, "\(python) cannot import \(module): \(r.lastError)")) }
        }
    }

    /// The thread settings of a peer process: OpenBLAS and OpenMP threads, mlp.py's
    /// `PEERS_THREADS` (torch), and XLA's intra-op pool for JAX at one thread.
    static func environment(threads: Int, allThreads: Int) -> [String: String] {
        var env = ["OPENBLAS_NUM_THREADS": String(threads), "OMP_NUM_THREADS": String(threads),
                   "MKL_NUM_THREADS": String(threads), "PEERS_THREADS": String(threads)]
        if threads < allThreads {
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=\(threads)"
        }
        return env
    }

    /// One implementation's figures for one net at `threads`.
    func step(impl: String, net: String, threads: Int, allThreads: Int, quick: Bool) -> Result<PeerStep, PeerError> {
        guard let script, let python else { return .failure(.badStart("mlp.py or python not found")) }
        var args = [script, "--impl", impl, "--nets", net]
        if quick { args += ["--reps", "3", "--min-time", "0.05"] }
        let command = "mlp.py --impl \(impl) --nets \(net)"
        guard let out = Peers.capture(python, args, env: Self.environment(threads: threads, allThreads: allThreads)) else {
            return .failure(.failed(command: command, status: -1, stderr: "could not start \(python)"))
        }
        guard out.status == 0 else { return .failure(.failed(command: command, status: out.status, stderr: out.lastError)) }
        return Result { () throws(PeerError) in try Self.parseStep(out.stdout, impl: impl, net: net, command: command) }
    }

    /// The record for `net` in mlp.py's JSON lines; a line that is not a JSON object, or a
    /// record without a numeric `ms_min`, `ms_median`, `loss0` or `loss4`, throws naming it.
    static func parseStep(_ text: String, impl: String, net: String, command: String) throws(PeerError) -> PeerStep {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw .notJSON(command: command, line: i + 1, text: trimmed)
            }
            guard object["net"] as? String == net else { continue }
            func number(_ field: String) throws(PeerError) -> Double {
                guard let n = object[field] as? NSNumber, !(n is Bool), n.doubleValue.isFinite else {
                    throw .missingField(command: command, field: field, line: i + 1)
                }
                return n.doubleValue
            }
            return PeerStep(impl: impl, msBest: try number("ms_min"), msMedian: try number("ms_median"),
                            loss0: try number("loss0"), loss4: try number("loss4"))
        }
        throw .noRecord(command: command, net: net)
    }

    /// mlp.py's own start for `net` (`make_data`: data and initial parameters), written by NumPy
    /// as .npy files into a temporary folder and read back (Note [Same start]).
    func start<S: TensorScalar>(net: String, as _: S.Type) -> Result<MLPStart<S>, PeerError> {
        guard let script, let python else { return .failure(.badStart("mlp.py or python not found")) }
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("backprop-mlp-start-\(UUID().uuidString)")
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) }
        catch { return .failure(.badStart("cannot create \(dir.path): \(error)")) }
        defer { try? fm.removeItem(at: dir) }
        let folder = URL(fileURLWithPath: script).deletingLastPathComponent().path
        let code = """
        import sys, numpy as np
        sys.path.insert(0, sys.argv[1])
        import mlp
        cfg, X, Y, lab, P = mlp.make_data(sys.argv[2])
        for name, a in zip(["x", "y", "w1", "b1", "w2", "b2"], [X, Y] + list(P)):
            np.save(sys.argv[3] + "/" + name + ".npy", np.ascontiguousarray(a))
        """
        guard let out = Peers.capture(python, ["-c", code, folder, net, dir.path], env: [:]) else {
            return .failure(.badStart("could not start \(python)"))
        }
        guard out.status == 0 else {
            return .failure(.failed(command: "mlp.make_data(\"\(net)\")", status: out.status, stderr: out.lastError))
        }
        do throws(TensorFileError) {
            func read(_ name: String) throws(TensorFileError) -> Tensor<S> {
                try Tensor<S>(contentsOfNPY: dir.appendingPathComponent(name + ".npy"))
            }
            let s = MLPStart(w1: try read("w1"), b1: try read("b1"), w2: try read("w2"), b2: try read("b2"),
                             x: try read("x"), y: try read("y"))
            let (m, n0) = (s.x.shape.first ?? 0, s.x.shape.last ?? 0)
            guard s.x.rank == 2, s.w1.rank == 2, s.w2.rank == 2, s.w1.shape[0] == n0, s.b1.shape == [s.w1.shape[1]],
                  s.w2.shape[0] == s.w1.shape[1], s.b2.shape == [s.w2.shape[1]], s.y.shape == [m, s.w2.shape[1]] else {
                return .failure(.badStart("mlp.make_data(\"\(net)\") gave inconsistent shapes x \(s.x.shape), y \(s.y.shape), "
                                          + "W1 \(s.w1.shape), b1 \(s.b1.shape), W2 \(s.w2.shape), b2 \(s.b2.shape)"))
            }
            return .success(s)
        } catch {
            return .failure(.badStart("mlp.make_data(\"\(net)\"): \(error)"))
        }
    }
}
