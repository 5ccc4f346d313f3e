import Foundation
import Testing
import TestSupport
import Tensors

/// Runs the built `backprop` executable (the test target depends on it, so `swift test` builds
/// it next to the test bundle) and returns its exit status, standard output and standard error.
/// `environment` adds to (or overrides) this process's environment.
func runBackprop(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = try backpropExecutable()
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The built `backprop` executable: beside the test bundle, or in .build/debug or release.
func backpropExecutable() throws -> URL {
    let products = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build")
    let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        .map { $0.appendingPathComponent("backprop") }
        + ["debug", "release"].map { products.appendingPathComponent($0).appendingPathComponent("backprop") }
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates.map(\.path).joined(separator: ", ")])
    }
    return binary
}

@Suite("backprop, end to end", .serialized)
struct CommandLineTests {
    @Test("help prints the usage and exits 0")
    func help() throws {
        let r = try runBackprop(["help"])
        #expect(r.status == 0)
        #expect(r.out.contains("usage: backprop"))
    }

    @Test("bad arguments print what was wrong and the usage, exit 2", arguments: [
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["train", "--epochs", "many"], "--epochs needs a whole number"),
        (["train", "--bogus", "1"], "unknown option '--bogus'"),
        (["train", "--epochs"], "--epochs needs a value"),
        (["train", "--optimizer", "lbfgs"], "--optimizer must be one of sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad"),
        (["train", "--schedule", "linear"], "--schedule must be constant, cosine, cosine:FLOOR or step:EVERY:FACTOR; got linear"),
        (["train", "--schedule", "step:0:0.5"], "--schedule step:EVERY:FACTOR needs EVERY ≥ 1 steps"),
        (["train", "--clip-norm", "0"], "--clip-norm needs a number"),
        (["train", "--weight-decay", "0.1"], "--weight-decay is AdamW's decoupled decay"),
        (["train", "--test-every", "1"], "--test-every must be 0"),
        (["check", "--layers", "3,,4"], "--layers needs at least two sizes"),
        (["check", "--lambda", "-1"], "--lambda needs a number"),
        (["check", "--seed", "nan"], "--seed needs a non-negative whole number"),
    ])
    func badArguments(_ arguments: [String], _ message: String) throws {
        let r = try runBackprop(arguments)
        #expect(r.status == 2)
        #expect(r.err.contains(message), "stderr: \(r.err)")
        #expect(r.err.contains("usage: backprop"))
    }

    @Test("bad data files give a clear error naming the file and place, exit 1, no crash")
    func badData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String, String)] = [
            ("bad.csv", "1,2,0\n3,x,1\n", "bad.csv:2: column 2: \"x\" is not a number"),
            ("ragged.csv", "1,2,0\n3,1\n", "ragged.csv:2: 2 fields, but the first row has 3"),
            ("empty.csv", "", "empty.csv: no data rows"),
            ("label.csv", "1,2,0.5\n", "label.csv:1: label 0.5 is not a class index"),
            ("onecolumn.csv", "1\n0\n", "onecolumn.csv: 1 column; a dataset needs at least 2"),
            ("classes.csv", "1,2,0\n3,4,999999999\n",
             "classes.csv:2: label 999999999 is too large: class indices go up to 65535 (at most 65536 classes)"),
        ]
        let binary = dir.appendingPathComponent("binary.csv")
        try Data([0xFF, 0xFE, 0x00, 0x81]).write(to: binary)
        let b = try runBackprop(["train", "--data", binary.path, "--quiet"])
        #expect(b.status == 1 && b.err.contains("binary.csv: not a UTF-8 text file"), "\(b.err)")
        for (name, text, message) in cases {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            let r = try runBackprop(["train", "--data", url.path, "--quiet"])
            #expect(r.status == 1, "\(name)")
            #expect(r.err.contains(message), "\(name): \(r.err)")
        }
        let wide = dir.appendingPathComponent("xor4.csv")
        try Data("0,0,0\n0,1,1\n1,0,1\n1,1,0\n".utf8).write(to: wide)
        let column = try runBackprop(["train", "--data", wide.path, "--label-column", "5", "--quiet"])
        #expect(column.status == 1 && column.err.contains("xor4.csv: label column 5 is outside the table's columns 1…3"),
                "\(column.err)")
        let one = dir.appendingPathComponent("one.csv")
        try Data("0.5,0.25,1\n".utf8).write(to: one)
        let tiny = try runBackprop(["train", "--model", "logistic", "--data", one.path, "--test-every", "2",
                                    "--epochs", "2", "--quiet"])
        #expect(tiny.status == 0, "\(tiny.err)")
        #expect(tiny.err.contains("leave no test set"), "\(tiny.err)")
        #expect(tiny.out.contains("final training loss") && !tiny.out.contains("nan"), "\(tiny.out)")
        let missing = try runBackprop(["train", "--data", dir.appendingPathComponent("missing.csv").path])
        #expect(missing.status == 1 && missing.err.contains("missing.csv: cannot read the file"))
    }

    @Test("train --model xor learns XOR; a user's CSV trains logistic regression")
    func train() throws {
        let r = try runBackprop(["train", "--model", "xor", "--quiet"])
        #expect(r.status == 0)
        #expect(r.out.contains("accuracy 100.00%"), "\(r.out)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-train-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<60).map { i -> String in
            let x = Double(i % 10) / 10, y = Double(i / 10) / 6
            return "\(x),\(y),\(x + y > 0.9 ? 1 : 0)"
        }
        let url = dir.appendingPathComponent("mine.csv")
        try Data(("x,y,label\n" + rows.joined(separator: "\n")).utf8).write(to: url)
        let mine = try runBackprop(["train", "--model", "logistic", "--data", url.path, "--epochs", "200",
                                    "--learning-rate", "0.05", "--test-every", "0", "--quiet"])
        #expect(mine.status == 0, "\(mine.err)")
        #expect(mine.out.contains("training logistic (3 parameters) on 60 examples"), "\(mine.out)")
    }

    @Test("train --model cnn trains DigitCNN on the bundled digits; other data shapes are refused")
    func trainCNN() throws {
        let r = try runBackprop(["train", "--model", "cnn", "--epochs", "1", "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("training cnn (1898 parameters) on 1438 examples, testing on 359: adam, η = 0.01, batch 32"), "\(r.out)")
        let accuracy = r.out.split(separator: " ").firstIndex(of: "accuracy").map { r.out.split(separator: " ")[$0 + 1] }
        #expect(Double(accuracy?.dropLast() ?? "") ?? 0 > 70, "\(r.out)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-cnn-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("small.csv")
        try Data("a,b,label\n0,1,0\n1,0,1\n".utf8).write(to: url)
        let bad = try runBackprop(["train", "--model", "cnn", "--data", url.path, "--test-every", "0"])
        #expect(bad.status == 2 && bad.err.contains("--model cnn reads 8×8 images: it needs 64 features"), "\(bad.err)")
    }

    @Test("BACKPROP_GEMM_KERNEL: one epoch of DigitCNN saves the same bytes through every GEMM kernel; a bad value is reported and ignored")
    func gemmKernelsGiveTheSameModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-kernels-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String: Data] = [:]
        for kernel in GEMMKernels.available.map(\.rawValue) + ["bogus"] {
            let file = dir.appendingPathComponent("\(kernel).safetensors")
            let r = try runBackprop(["train", "--model", "cnn", "--epochs", "1", "--quiet", "--save", file.path],
                                    environment: ["BACKPROP_GEMM_KERNEL": kernel])
            #expect(r.status == 0, "\(kernel): \(r.err)")
            if kernel == "bogus" {
                #expect(r.err.contains("BACKPROP_GEMM_KERNEL=bogus is not one of"), "\(r.err)")
            } else {
                #expect(!r.err.contains("BACKPROP_GEMM_KERNEL"), "\(r.err)")
            }
            files[kernel] = try Data(contentsOf: file)
        }
        let reference = try #require(files["swift"])
        for (kernel, data) in files { #expect(data == reference, "\(kernel) trained a different model from the Swift kernel") }
    }

    @Test("train --model lstm trains DigitLSTM (8 steps of 8 features) on 64-feature data, with its cosine schedule")
    func trainLSTM() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-lstm-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("images.csv")
        let rows = (0..<40).map { i in ((0..<64).map { j in "\((i * 7 + j * 3) % 17)" } + ["\(i % 10)"]).joined(separator: ",") }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
        let r = try runBackprop(["train", "--model", "lstm", "--data", url.path, "--test-every", "0", "--epochs", "2", "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("training lstm (11626 parameters) on 40 examples: adam, η = 0.01, batch 32"), "\(r.out)")
        #expect(r.out.contains("final training loss") && r.out.contains("after 2 epochs"), "\(r.out)")
        let bad = try runBackprop(["train", "--model", "lstm", "--data", url.path, "--label-column", "3", "--test-every", "0"])
        #expect(bad.status == 2 && bad.err.contains("--model lstm reads 8×8 images: it needs 64 features"), "\(bad.err)")
    }

    @Test("train with the other optimisers, a warm-up and cosine schedule and clipping still learns XOR",
          arguments: [["--optimizer", "adamw", "--learning-rate", "0.1", "--weight-decay", "0.001"],
                      ["--optimizer", "rmsprop", "--learning-rate", "0.05"],
                      ["--optimizer", "adagrad", "--learning-rate", "0.5"],
                      ["--optimizer", "sgd", "--learning-rate", "4", "--warmup", "100", "--schedule", "cosine:0.1", "--clip-norm", "5"]])
    func otherOptimizers(_ options: [String]) throws {
        let r = try runBackprop(["train", "--model", "xor", "--quiet", "--epochs", "2000"] + options)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("accuracy 100.00%"), "\(r.out)")
    }

    @Test("train --save writes a checkpoint that --load restores; a mismatched one is refused, exit 1")
    func checkpoints() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ckpt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("xor.safetensors")
        let saved = try runBackprop(["train", "--model", "xor", "--quiet", "--save", file.path])
        #expect(saved.status == 0 && saved.out.contains("saved the parameters to"), "\(saved.err)")
        // One more SGD epoch from the trained weights: still 100 %, and the file was read.
        let resumed = try runBackprop(["train", "--model", "xor", "--quiet", "--epochs", "1", "--load", file.path])
        #expect(resumed.status == 0 && resumed.out.contains("loaded 4 parameters"), "\(resumed.err)")
        #expect(resumed.out.contains("accuracy 100.00%"), "\(resumed.out)")
        let nowhere = try runBackprop(["train", "--model", "xor", "--quiet", "--save", dir.appendingPathComponent("no/x.safetensors").path])
        #expect(nowhere.status == 2 && nowhere.err.contains("does not exist or is not writable")
                && !nowhere.out.contains("final training loss"), "\(nowhere.err)")
        let wrong = try runBackprop(["train", "--model", "logistic", "--quiet", "--epochs", "1", "--load", file.path])
        #expect(wrong.status == 1 && wrong.err.contains("xor.safetensors"), "\(wrong.err)")

        // PyTorch's layout: nn.Sequential numbering does not apply (XORNetwork names by property),
        // but the weights are nn.Linear's [out, in]; it loads back, and not as a native checkpoint.
        let torch = dir.appendingPathComponent("xor-torch.safetensors")
        let exported = try runBackprop(["train", "--model", "xor", "--quiet", "--save-pytorch", torch.path])
        #expect(exported.status == 0 && exported.out.contains("saved PyTorch's state_dict (4 tensors)"), "\(exported.err)")
        let stored = try SafetensorsFile<Double>(contentsOf: torch)
        #expect(stored.tensors["hidden.weight"]?.shape == [2, 2] && stored.tensors["output.weight"]?.shape == [1, 2])
        let back = try runBackprop(["train", "--model", "xor", "--quiet", "--epochs", "1", "--load-pytorch", torch.path])
        #expect(back.status == 0 && back.out.contains("loaded 4 tensors") && back.out.contains("accuracy 100.00%"), "\(back.out)")
        let crossed = try runBackprop(["train", "--model", "xor", "--quiet", "--epochs", "1", "--load", torch.path])
        #expect(crossed.status == 1 && crossed.err.contains("wrong shapes"), "\(crossed.err)")
    }

    @Test("train --save after the loss went non-finite refuses to save: exit 1, the parameter named, the old file unchanged")
    func divergedRunIsNotSaved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-nan-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("good.safetensors")
        let good = try runBackprop(["train", "--model", "xor", "--quiet", "--save", file.path])
        #expect(good.status == 0, "\(good.err)")
        let before = try Data(contentsOf: file)
        // η = 10⁶ drives the digits network's weights to NaN within a few epochs.
        let diverged = try runBackprop(["train", "--learning-rate", "1e6", "--optimizer", "sgd", "--epochs", "5", "--quiet",
                                        "--save", file.path])
        #expect(diverged.status == 1, "\(diverged.out)\(diverged.err)")
        // Whichever safeguard fires first says so: saveCheckpoint refusing the non-finite
        // parameters, or a trainer that stops on a non-finite loss before updating them.
        let refused = diverged.err.contains("good.safetensors: not saved: parameter \"")
            && diverged.err.contains(" at flat index ") && diverged.err.contains("the file is unchanged")
        let stopped = diverged.err.contains("training stopped at epoch")
        #expect(refused || stopped, "\(diverged.err)")
        #expect(!diverged.out.contains("saved the parameters"), "\(diverged.out)")
        #expect(try Data(contentsOf: file) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["good.safetensors"])
    }

    @Test("progress goes to standard error as plain lines when it is not a terminal")
    func progressLines() throws {
        let r = try runBackprop(["train", "--model", "xor", "--epochs", "3"])
        #expect(r.status == 0)
        #expect(r.err.contains("epoch 1/3  loss") && r.err.contains("epoch 3/3"))
        #expect(!r.err.contains("\u{1B}["))
        #expect(!r.out.contains("epoch 1/3"))
    }

    @Test("graph writes the tape of a model's objective as DOT, to stdout or atomically to a file")
    func graph() throws {
        let r = try runBackprop(["graph", "--model", "xor"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("digraph tape {") && r.out.hasSuffix("}\n"))
        #expect(r.out.contains("hidden.weight\\n#1 variable\\n[2, 2]"), "\(r.out)")
        #expect(r.out.contains("loss\\n#11 halfSumOfSquares\\n[]"), "\(r.out)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-graph-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("digits.dot")
        let w = try runBackprop(["graph", "--examples", "2", "--output", file.path])
        #expect(w.status == 0, "\(w.err)")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("sigmoidCrossEntropy") && text.contains("output.weight"))
        let blocked = try runBackprop(["graph", "--output", dir.appendingPathComponent("no/such/dir/g.dot").path])
        #expect(blocked.status == 1 && blocked.err.contains("cannot write the graph"), "\(blocked.err)")
        let bad = try runBackprop(["graph", "--model", "resnet"])
        #expect(bad.status == 2 && bad.err.contains("usage:"))
    }

    @Test("graph --output x.svg draws the digits objective: well-formed SVG, the DOT's records and edges, no boxes overlap")
    func graphSVG() throws {
        let dot = try runBackprop(["graph"])
        #expect(dot.status == 0, "\(dot.err)")
        let dotLines = dot.out.split(separator: "\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-svg-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("digits.SVG")  // the extension in any case
        try Data("an older file".utf8).write(to: file)
        let w = try runBackprop(["graph", "--output", file.path])
        #expect(w.status == 0 && w.out.contains("as SVG"), "\(w.err)")
        let svg = try String(contentsOf: file, encoding: .utf8)
        let xml = XMLElements(svg)
        try #require(xml.failure == nil, "\(xml.failure ?? "")")
        let nodes = xml.all("g", class: "node"), edges = xml.all("path", class: "edge")
        #expect(nodes.count == dotLines.filter { $0.contains("[label=") }.count)
        #expect(edges.count == dotLines.filter { $0.contains(" -> ") }.count)
        let labels = nodes.map { xml.texts(of: "tspan", in: $0) }
        for name in ["x", "hidden.weight", "hidden.bias", "output.weight", "output.bias", "loss"] {
            #expect(labels.contains { $0.first == name }, "no box labelled \(name)")
        }
        #expect(labels.contains { $0.contains { $0.hasPrefix("#") && $0.hasSuffix(" sigmoidCrossEntropy") } })
        #expect(labels.filter { $0.last?.hasPrefix("‖adjoint‖ = ") == true }.count == 5)  // the parameters and the loss
        let boxes = nodes.compactMap { g in xml.descendants(of: g).first { xml.elements[$0].attributes["class"] == "box" } }
            .map { i in ["x", "y", "width", "height"].map { xml.elements[i].number($0) ?? .nan } }
        #expect(boxes.count == nodes.count)
        for (i, a) in boxes.enumerated() {
            for b in boxes[(i + 1)...] {
                #expect(!(a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]),
                        "boxes \(a) and \(b) overlap")
            }
        }
        let dotFile = dir.appendingPathComponent("digits.dot")
        #expect(try runBackprop(["graph", "--output", dotFile.path]).status == 0)
        #expect(try String(contentsOf: dotFile, encoding: .utf8).hasPrefix("digraph tape {"))
        let blocked = try runBackprop(["graph", "--output", dir.appendingPathComponent("no/such/dir/g.svg").path])
        #expect(blocked.status == 1 && blocked.err.contains("cannot write the graph"), "\(blocked.err)")
    }

    @Test("train --plot writes the loss and test accuracy per epoch as an SVG chart; a destination that cannot be written is refused first")
    func trainPlot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-plot-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("curves.svg")
        let r = try runBackprop(["train", "--epochs", "3", "--quiet", "--plot", file.path])
        #expect(r.status == 0 && r.out.contains("wrote the training curves (3 epochs) to"), "\(r.err)")
        let xml = XMLElements(try String(contentsOf: file, encoding: .utf8))
        try #require(xml.failure == nil, "\(xml.failure ?? "")")
        let series = xml.all("polyline", class: "series").map { xml.elements[$0].attributes }
        #expect(series.map { $0["data-series"] ?? "" } == ["training loss", "test loss", "test accuracy (%)"])
        #expect(series.allSatisfy { ($0["points"] ?? "").split(separator: " ").count == 3 })
        #expect(xml.allText.contains("digits: adam"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["curves.svg"])  // no temporary left

        let xor = try runBackprop(["train", "--model", "xor", "--epochs", "50", "--quiet", "--plot", file.path])
        #expect(xor.status == 0, "\(xor.err)")
        let replaced = XMLElements(try String(contentsOf: file, encoding: .utf8))
        #expect(replaced.all("polyline", class: "series").map { replaced.elements[$0].attributes["data-series"] } == ["training loss"])

        let nowhere = try runBackprop(["train", "--model", "xor", "--quiet", "--plot", dir.appendingPathComponent("no/c.svg").path])
        #expect(nowhere.status == 2 && nowhere.err.contains("--plot") && nowhere.err.contains("does not exist or is not writable")
                && !nowhere.out.contains("final training loss"), "\(nowhere.err)")
    }

    @Test("check prints the δ-rule table and the finite-difference check, exit 0")
    func check() throws {
        let r = try runBackprop(["check", "--layers", "3,4,2", "--examples", "4", "--lambda", "1"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("layer | δ max ulps"))
        #expect(r.out.contains("finite differences over"))
        #expect(r.out.contains("bit-identical"))
        let composed = try runBackprop(["check", "--form", "composed", "--reference", "loop", "--examples", "5"])
        #expect(composed.status == 0, "\(composed.out)")
    }
}
