import Backprop
import Foundation
import ReferenceModels
import Tensors

/// `backprop graph`: records one evaluation of a reference model's training objective (the
/// loss on the first examples, plus the L2 penalty where the model has one) and writes the
/// tape's graph as Graphviz DOT — to standard output, or atomically to `--output FILE` — or, when
/// FILE ends in `.svg`, as a picture laid out by `tape.svg(of:naming:)` (no Graphviz needed).
enum GraphCommand {
    static func run(_ arguments: [String]) throws(ArgumentError) -> Int32 {
        let options = try Options(arguments, allowed: ["model", "examples", "lambda", "output", "seed"])
        let modelName = try options.string("model", default: "digits", choices: ReferenceModelChoice.names)
        let examples = try options.int("examples", default: 4, in: 1...1000)
        let lambda = try options.double("lambda", default: modelName == "digits" ? 0.3 : 0, in: 0...1e6)
        let seed = try options.seed("seed", default: 7)

        let data: Dataset<Double>
        do {
            data = modelName == "xor" ? XORNetwork.patterns : try Digits.load(as: Double.self)
        } catch {
            printError("backprop: \(error)")
            return 1
        }
        let batch = data.subset(Array(0..<Swift.min(examples, data.count)))
        let features = data.features.shape[1], classes = data.classCount
        let (model, loss) = ReferenceModelChoice.make(modelName, features: features, classes: classes, seed: seed)

        let tape = Tape<Double>()
        let x = tape.constant(batch.features)
        let outputs = model(x)
        var objective = loss(outputs, labelEncoding(batch, outputs: outputs.shape.last ?? 1))
        if lambda > 0 {
            objective = objective + l2Penalty(model.parameters, lambda: lambda, exampleCount: batch.count, on: tape)
        }
        var names = ["x": x, "loss": objective]
        for (name, parameter) in model.namedParameters { names[name] = parameter.variable(on: tape) }

        guard let path = options.string("output") else {
            print(tape.graphviz(of: objective, naming: names), terminator: "")
            return 0
        }
        let isSVG = URL(fileURLWithPath: path).pathExtension.lowercased() == "svg"
        let text = isSVG ? tape.svg(of: objective, naming: names) : tape.graphviz(of: objective, naming: names)
        do {
            try AtomicWrite.write(Data(text.utf8), to: URL(fileURLWithPath: path))  // temporary file, then rename
        } catch {
            printError("backprop: cannot write the graph: \(error)")
            return 1
        }
        print("wrote the graph of \(modelName)'s objective (\(tape.count) records) to \(path)\(isSVG ? " as SVG" : "")")
        return 0
    }
}
