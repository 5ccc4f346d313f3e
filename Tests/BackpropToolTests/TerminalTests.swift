import Foundation
import Testing

// `backprop train` on a terminal, through script(1)'s pseudo-terminal, and anomalies end to end.

@Suite("backprop on a terminal; training that goes non-finite", .serialized)
struct TerminalTests {
    #if os(Linux)
    @Test("on a terminal: one live line per epoch, redrawn in place (bar, examples/s, ETA, loss)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func liveProgress() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = "'\(try backpropExecutable().path)' train --model xor --epochs 3"
        process.arguments = ["-qfec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("\r\u{1B}[2Kepoch 1/3 ["), "\(text.debugDescription)")
        #expect(text.contains("examples/s  ETA ") && text.contains("  loss "), "\(text.debugDescription)")
        for epoch in 1...3 {  // each epoch's summary replaces its live line and keeps a line of its own
            #expect(text.contains("\r\u{1B}[2Kepoch \(epoch)/3  loss"), "\(text.debugDescription)")
        }
        #expect(text.split(whereSeparator: \.isNewline).filter { $0.contains("/3  loss") }.count == 3)
    }
    #endif

    @Test("a learning rate that makes the loss infinite stops training with where it was born; nothing is saved")
    func divergence() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-diverge-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let save = dir.appendingPathComponent("net.safetensors")
        let r = try runBackprop(["train", "--learning-rate", "1e6", "--optimizer", "sgd", "--epochs", "20", "--quiet",
                                 "--save", save.path])
        #expect(r.status == 1, "\(r.out)\n\(r.err)")
        #expect(r.err.contains("training stopped at epoch") && r.err.contains("the first non-finite value:")
                && r.err.contains("produced inf"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: save.path))
        let d = try runBackprop(["train", "--learning-rate", "1e6", "--optimizer", "sgd", "--epochs", "20", "--quiet",
                                 "--detect-anomalies"])
        #expect(d.status == 1 && d.err.contains("training stopped at epoch"), "\(d.err)")
    }

    @Test("check --trace prints the chain rule for the 2-2-1 and the 4-layer networks in the texts' notation")
    func checkTrace() throws {
        let r = try runBackprop(["check", "--trace"])
        #expect(r.status == 0, "\(r.err)")
        for line in ["∂E/∂zₖ = −(t − y)·f′(zₖ) = −δ", "∂E/∂zⱼ = −f′(zⱼ)·Σₖ δₖ·w = −δ", "∂E/∂wᵢⱼ = −δⱼ·yᵢ (so Δw = η·δⱼ·yᵢ)",
                     "δ(4) = a(4) − y", "δ(3) = (Θ(3))ᵀδ(4) ⊙ a(3) ⊙ (1 − a(3))", "δ(2) = (Θ(2))ᵀδ(3) ⊙ a(2) ⊙ (1 − a(2))",
                     "D(1) = (1/m)(Δ(1) + λΘ(1))", "    ← sigmoid #"] {
            #expect(r.out.contains(line), "missing: \(line)")
        }
    }
}
