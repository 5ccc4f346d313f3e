import Backprop
import Foundation
import ReferenceModels

/// `backprop train`: trains a reference model on the bundled data or the user's CSV file.
enum TrainCommand {
    static func run(_ arguments: [String]) throws -> Int32 {
        var rest = arguments
        let quiet = rest.contains("--quiet"), detectAnomalies = rest.contains("--detect-anomalies")
        rest.removeAll { $0 == "--quiet" || $0 == "--detect-anomalies" }
        let options = try Options(rest, allowed: ["model", "data", "label-column", "epochs", "learning-rate", "batch-size",
                                                  "lambda", "seed", "optimizer", "test-every", "save", "load", "plot", "save-pytorch", "load-pytorch",
                                                  "schedule", "warmup", "clip-norm", "weight-decay"])
        let modelName = try options.string("model", default: "digits", choices: ReferenceModelChoice.names)
        let isXOR = modelName == "xor"
        let defaults = ReferenceModelChoice.defaults(modelName)
        let epochs = try options.int("epochs", default: defaults.epochs, in: 1...1_000_000)
        let batchSize = try options.int("batch-size", default: defaults.batchSize, in: 1...10_000_000)
        let lambda = try options.double("lambda", default: defaults.lambda, in: 0...1e6)
        let seed = try options.seed("seed", default: defaults.seed)
        let optimizerName = try options.string("optimizer", default: defaults.optimizer, choices: OptimizerChoice.names)
        let learningRate = try options.double("learning-rate",
                                              default: defaults.learningRate ?? OptimizerChoice.defaultRate(optimizerName),
                                              in: 1e-12...1e6)
        let weightDecay = try options.double("weight-decay", default: 0.01, in: 0...1e6)
        if options.string("weight-decay") != nil && optimizerName != "adamw" {
            throw ArgumentError("--weight-decay is AdamW's decoupled decay: use it with --optimizer adamw (or --lambda for L2)")
        }
        let warmup = try options.int("warmup", default: 0, in: 0...1_000_000_000)
        let clipNorm = try options.string("clip-norm").map { _ in try options.double("clip-norm", default: 1, in: 1e-12...1e12) }
        let testEvery = try options.int("test-every", default: isXOR ? 0 : 5, in: 0...1_000_000)
        if testEvery == 1 { throw ArgumentError("--test-every must be 0 (no test set) or at least 2") }
        let labelColumn = try options.string("label-column").map { _ in try options.int("label-column", default: 1, in: 1...100_000) }

        let data: Dataset<Double>
        if let path = options.string("data") {
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: path))
            data = try Dataset(table: table, labelColumn: labelColumn.map { $0 - 1 }, path: path)
        } else {
            data = isXOR ? XORNetwork.patterns : try Digits.load(as: Double.self)
        }
        var (training, test) = testEvery == 0 ? (data, nil) : { let s = data.split(testEvery: testEvery); return (s.0, Optional(s.1)) }()
        if let t = test, t.count == 0 {
            // Too few rows for every k-th to make a test set: say so and train on all of them.
            FileHandle.standardError.write(Data("note: \(data.count) examples leave no test set with --test-every \(testEvery); reporting training figures\n".utf8))
            test = nil
        }
        if training.count == 0 { throw ArgumentError("no training examples are left after taking the test set") }
        let features = data.features.shape[1], classes = Swift.max(data.classCount, 2)
        if modelName == "xor" && (features != 2 || classes != 2) {
            throw ArgumentError("--model xor needs 2 features and 2 classes; the data have \(features) and \(classes)")
        }
        if let needed = ReferenceModelChoice.requiredFeatures(modelName), needed != features || classes > 10 {
            throw ArgumentError("--model \(modelName) reads 8×8 images: it needs 64 features and at most 10 classes; the data have \(features) and \(classes)")
        }
        let (model, loss) = ReferenceModelChoice.make(modelName, features: features, classes: classes, seed: seed)
        // Refuse a destination that cannot be written before training, not after.
        for option in ["save", "save-pytorch", "plot"] {
            guard let path = options.string(option) else { continue }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.isWritableFile(atPath: directory) else {
                throw ArgumentError("--\(option) \(path): the directory \(directory) does not exist or is not writable")
            }
        }
        if let path = options.string("load") {
            _ = try model.loadCheckpoint(from: URL(fileURLWithPath: path))
            print("loaded \(model.namedParameters.count) parameters from \(path)")
        }
        if let path = options.string("load-pytorch") {
            _ = try model.loadPyTorchCheckpoint(from: URL(fileURLWithPath: path))
            print("loaded \(model.pyTorchStateDict().count) tensors (PyTorch's state_dict) from \(path)")
        }
        print("training \(modelName) (\(model.parameterCount) parameters) on \(training.count) examples"
              + (test.map { ", testing on \($0.count)" } ?? "") + ": \(optimizerName), η = \(learningRate), batch \(batchSize), λ = \(lambda), seed \(seed)")
        let stepsPerEpoch = (training.count + batchSize - 1) / batchSize
        let schedule = try ScheduleChoice.parse(options.string("schedule") ?? defaults.schedule, warmup: warmup,
                                                totalSteps: epochs * stepsPerEpoch)
        let trainer = Trainer<Double>(epochs: epochs, batchSize: batchSize, lambda: lambda, seed: seed,
                                      progress: quiet ? .silent : .automatic, detectingAnomalies: detectAnomalies,
                                      learningRateSchedule: schedule, maxGradientNorm: clipNorm)
        let reports = try OptimizerChoice.fit(optimizerName, learningRate: learningRate, weightDecay: weightDecay,
                                              trainer: trainer, model: model, loss: loss, on: training, evaluatingOn: test)
        let final = evaluate(model, loss: loss, on: test ?? training)
        print(String(format: "final %@ loss %.6f, accuracy %.2f%% after %d epochs", test == nil ? "training" : "test",
                     final.loss, 100 * final.accuracy, reports.count))
        if let path = options.string("save") {
            try model.saveCheckpoint(to: URL(fileURLWithPath: path),
                                     metadata: ["model": modelName, "epochs": "\(reports.count)", "seed": "\(seed)",
                                                "optimizer": optimizerName])
            print("saved the parameters to \(path)")
        }
        if let path = options.string("save-pytorch") {
            try model.savePyTorchCheckpoint(to: URL(fileURLWithPath: path), metadata: ["format": "pt", "model": modelName])
            print("saved PyTorch's state_dict (\(model.pyTorchStateDict().count) tensors) to \(path)")
        }
        if let path = options.string("plot") {
            let chart = TrainingChart(reports, title: "\(modelName): \(optimizerName), η = \(learningRate), batch \(batchSize), λ = \(lambda)")
            try chart.write(to: URL(fileURLWithPath: path))  // temporary file, then rename
            print("wrote the training curves (\(reports.count) epochs) to \(path)")
        }
        return 0
    }
}
