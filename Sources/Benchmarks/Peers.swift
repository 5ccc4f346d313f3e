import Foundation

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
        var candidates = [cwd + "/../shared/peers"]
        if let env = ProcessInfo.processInfo.environment["BACKPROP_PEERS"] { candidates.append(env) }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
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

    /// NumPy training-step results keyed by net name: (ms best, ms median, first loss).
    func mlp(quick: Bool) -> [String: (best: Double, median: Double, firstLoss: Double)] {
        var args: [String] = []
        if quick { args += ["--reps", "3", "--min-time", "0.05"] }
        var out: [String: (Double, Double, Double)] = [:]
        for r in script("numpy_mlp.py", args, threads: nil) {
            if let net = r["net"] as? String, let b = r["ms_best"] as? Double, let m = r["ms_median"] as? Double,
               let l = r["first_loss"] as? Double {
                out[net] = (b, m, l)
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
