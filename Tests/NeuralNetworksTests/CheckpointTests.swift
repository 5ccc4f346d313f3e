import Foundation
import Testing
import Autodiff
import Tensors
@testable import NeuralNetworks

/// A 4 → 8 → 8 → 3 network of Dense layers, seeded.
func checkpointModel<S: TensorScalar>(_: S.Type, seed: UInt64, hidden: Int = 8, depth: Int = 2) -> Sequential<S> {
    var g = SeededGenerator(seed: seed)
    var layers: [any Layer<S>] = [Dense<S>(inputSize: 4, outputSize: hidden, activation: .tanh, using: &g)]
    for _ in 1..<depth { layers.append(Dense<S>(inputSize: hidden, outputSize: hidden, activation: .relu, using: &g)) }
    layers.append(Dense<S>(inputSize: hidden, outputSize: 3, using: &g))
    return Sequential(layers)
}

/// Ten Adam steps on a fixed regression batch.
func train<S: TensorScalar>(_ model: Sequential<S>, steps: Int = 10) {
    let x = Tensor<S>(randomNormal: [16, 4], seed: 1), y = Tensor<S>(randomNormal: [16, 3], seed: 2)
    var adam = Adam<S>(learningRate: 0.01)
    for _ in 0..<steps {
        let tape = Tape<S>()
        let loss = meanSquaredError(predictions: model(tape.constant(x)), targets: y)
        adam.update(model.parameters, along: tape.gradient(of: loss, wrt: model.parameters.map { $0.variable(on: tape) }))
    }
}

@Suite("Checkpoints: parameters saved and loaded by name")
struct CheckpointTests {
    func withDirectory(_ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir)
    }

    @Test("train, save, load into a differently initialised model: parameters and outputs bit for bit (Float and Double)")
    func roundTrip() throws {
        try withDirectory { dir throws in
            let url = dir.appendingPathComponent("model.safetensors")
            let trained = checkpointModel(Float.self, seed: 1)
            train(trained)
            try trained.saveCheckpoint(to: url, metadata: ["step": "10"])
            let fresh = checkpointModel(Float.self, seed: 99)
            let x = Tensor<Float>(randomNormal: [5, 4], seed: 7)
            #expect(!fresh(x).isBitwiseIdentical(to: trained(x)))
            let metadata = try fresh.loadCheckpoint(from: url)
            #expect(metadata == ["step": "10"])
            for (a, b) in zip(fresh.parameters, trained.parameters) { #expect(a.value.isBitwiseIdentical(to: b.value)) }
            #expect(fresh(x).isBitwiseIdentical(to: trained(x)))

            let double = checkpointModel(Double.self, seed: 2)
            train(double)
            let copy = checkpointModel(Double.self, seed: 3)
            try copy.loadCheckpoint(from: double.checkpointData())
            #expect(copy(Tensor<Double>(randomNormal: [5, 4], seed: 7)).isBitwiseIdentical(to: double(Tensor(randomNormal: [5, 4], seed: 7))))
        }
    }

    @Test("the file is a safetensors file keyed by namedParameters: \"0.weight\", \"0.bias\", …")
    func names() throws {
        let model = checkpointModel(Double.self, seed: 1)
        let file = try SafetensorsFile<Double>(data: model.checkpointData(metadata: ["format": "backprop"]))
        #expect(file.tensors.keys.sorted() == ["0.bias", "0.weight", "1.bias", "1.weight", "2.bias", "2.weight"])
        #expect(file.tensors["1.weight"] == model.namedParameters[2].parameter.value)
        #expect(file.metadata == ["format": "backprop"])
    }

    @Test("repeated names from a namedParameters override are numbered in order; shared parameters stored once")
    func repeatedNames() throws {
        let block = Residual(width: 3, seed: 4)  // the default names are already unique
        #expect(try block.checkpointEntries().map(\.name) == ["inner.weight", "inner.bias", "outer.weight", "outer.bias"])
        final class Repeating: Layer {
            let inner: Residual
            init(_ inner: Residual) { self.inner = inner }
            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { inner(x) }
            var parameters: [Parameter<Double>] { inner.parameters }
            var namedParameters: [(name: String, parameter: Parameter<Double>)] { parameters.map { ($0.name, $0) } }
        }
        #expect(try Repeating(block).checkpointEntries().map(\.name) == ["weight#0", "bias#0", "weight#1", "bias#1"])
        let copy = Residual(width: 3, seed: 5)
        try copy.loadCheckpoint(from: block.checkpointData())
        for (a, b) in zip(copy.parameters, block.parameters) { #expect(a.value == b.value) }

        let shared = Dense<Double>(weight: Tensor([[1, 2]]), bias: Tensor([0, 0]), activation: .identity)
        let twice = Sequential<Double>([shared, shared])
        #expect(try twice.checkpointEntries().map(\.name) == ["0.weight", "0.bias"])

        let p = Parameter<Double>(name: "weight#0", role: .weight, value: Tensor([1]))
        let clash = Sequential<Double>([Dense(weight: Tensor([[1]]), bias: Tensor([0]), activation: .identity)])
        final class Clashing: Layer {
            let parts: [Parameter<Double>]
            init(_ parts: [Parameter<Double>]) { self.parts = parts }
            func callAsFunction(_ x: Variable<Double>) -> Variable<Double> { x }
            var parameters: [Parameter<Double>] { parts }
            var namedParameters: [(name: String, parameter: Parameter<Double>)] { parts.map { ($0.name, $0) } }
        }
        let names = Clashing([p, clash.parameters[0], Parameter(name: "weight", role: .weight, value: Tensor([2]))])
        #expect(throws: CheckpointError.invalidNames(["weight#0"])) { try names.checkpointData() }
        let reserved = Clashing([Parameter(name: "__metadata__", role: .weight, value: Tensor([1]))])
        #expect(throws: CheckpointError.invalidNames(["__metadata__"])) { try reserved.checkpointData() }
    }

    @Test("a mismatched checkpoint lists missing, unexpected and mis-shaped names, and loads nothing")
    func allOrNothing() throws {
        let small = checkpointModel(Double.self, seed: 1, hidden: 8, depth: 2)
        let wide = checkpointModel(Double.self, seed: 2, hidden: 5, depth: 2)
        let deep = checkpointModel(Double.self, seed: 3, hidden: 8, depth: 3)
        let before = wide.parameters.map(\.value)
        let data = try small.checkpointData()
        #expect(throws: CheckpointError.mismatch(file: "<data>", missing: [], unexpected: [], wrongShapes: [
            .init(name: "0.weight", expected: [4, 5], found: [4, 8]), .init(name: "0.bias", expected: [5], found: [8]),
            .init(name: "1.weight", expected: [5, 5], found: [8, 8]), .init(name: "1.bias", expected: [5], found: [8]),
            .init(name: "2.weight", expected: [5, 3], found: [8, 3]),
        ])) { try wide.loadCheckpoint(from: data) }
        #expect(wide.parameters.map(\.value) == before)  // nothing loaded, not even 2.bias, whose shape matches

        let deepBefore = deep.parameters.map(\.value)
        #expect(throws: CheckpointError.mismatch(file: "<data>", missing: ["3.weight", "3.bias"], unexpected: [],
                                                 wrongShapes: [.init(name: "2.weight", expected: [8, 8], found: [8, 3]),
                                                               .init(name: "2.bias", expected: [8], found: [3])])) {
            try deep.loadCheckpoint(from: data)
        }
        #expect(deep.parameters.map(\.value) == deepBefore)
        #expect(throws: CheckpointError.mismatch(file: "<data>", missing: [], unexpected: ["3.bias", "3.weight"],
                                                 wrongShapes: [.init(name: "2.weight", expected: [8, 3], found: [8, 8]),
                                                               .init(name: "2.bias", expected: [3], found: [8])])) {
            try small.loadCheckpoint(from: deep.checkpointData())
        }
    }

    @Test("strict: false ignores missing and unexpected names, but not shapes")
    func nonStrict() throws {
        let two = checkpointModel(Double.self, seed: 1, depth: 2)
        let three = checkpointModel(Double.self, seed: 2, depth: 3)
        // Only layer 0 and 1 agree in shape; make layer 2 agree by taking a subset of the file.
        var file = try SafetensorsFile<Double>(data: two.checkpointData())
        file.tensors["2.weight"] = nil
        file.tensors["2.bias"] = nil
        file.tensors["extra"] = Tensor([1])
        try three.loadCheckpoint(from: file.encoded(), strict: false)
        #expect(three.parameters[0].value == two.parameters[0].value && three.parameters[3].value == two.parameters[3].value)
        #expect(throws: CheckpointError.self) { try three.loadCheckpoint(from: file.encoded()) }
    }

    @Test("a parameter holding NaN or ±∞ is not saved: nonFinite names it, its flat index and value; the old file is byte for byte unchanged")
    func nonFiniteRefused() throws {
        try withDirectory { dir throws in
            let url = dir.appendingPathComponent("model.safetensors")
            let good = checkpointModel(Float.self, seed: 1)
            try good.saveCheckpoint(to: url, metadata: ["step": "1"])
            let before = try Data(contentsOf: url)
            for (parameter, index, bad) in [(2, 13, Float.nan), (3, 0, .infinity), (5, 1, -.infinity)] {
                let model = checkpointModel(Float.self, seed: 2)
                train(model)
                let p = model.parameters[parameter]
                var scalars = p.value.scalars
                scalars[index] = bad
                scalars[scalars.count - 1] = .nan  // a later one: the first is reported
                p.value = Tensor(shape: p.value.shape, scalars: scalars)
                let name = try model.checkpointEntries()[parameter].name
                do {
                    try model.saveCheckpoint(to: url, metadata: ["step": "2"])
                    Issue.record("saved \(bad) in \(name)")
                } catch let error as CheckpointError {
                    guard case .nonFinite(let file, let named, let at, let value) = error else { throw error }
                    #expect(file == url.path && named == name && at == index, "\(error)")
                    #expect(value.isNaN ? bad.isNaN : value == Double(bad), "\(value)")
                    #expect(error.description == "\(url.path): not saved: parameter \"\(name)\" holds \(Double(bad)) at flat index "
                            + "\(index) (the training diverged?); the file is unchanged")
                }
                #expect(try Data(contentsOf: url) == before)
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
            }
            let fresh = dir.appendingPathComponent("never.safetensors")
            let infinite = Dense<Double>(weight: Tensor([[1, 2], [3, .infinity]]), bias: Tensor([0, 0]), activation: .identity)
            #expect(throws: CheckpointError.nonFinite(file: fresh.path, parameter: "weight", index: 3, value: .infinity)) {
                try infinite.saveCheckpoint(to: fresh)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
        }
    }

    @Test("errors: a Double checkpoint into a Float model, a corrupt file, an unwritable destination — each named")
    func errors() throws {
        try withDirectory { dir throws in
            let url = dir.appendingPathComponent("d.safetensors")
            try checkpointModel(Double.self, seed: 1).saveCheckpoint(to: url)
            do {
                try checkpointModel(Float.self, seed: 1).loadCheckpoint(from: url)
                Issue.record("loaded F64 into Float")
            } catch let error as CheckpointError {
                guard case .file(let e) = error, case .scalarTypeMismatch(found: "F64", expected: "F32") = e.problem else { throw error }
                #expect(error.description.hasPrefix(url.path + ": tensor \""))
            }
            let corrupt = dir.appendingPathComponent("corrupt.safetensors")
            try Data((try Data(contentsOf: url)).prefix(100)).write(to: corrupt)
            #expect(throws: CheckpointError.self) { try checkpointModel(Double.self, seed: 1).loadCheckpoint(from: corrupt) }
            do {
                try checkpointModel(Double.self, seed: 1).saveCheckpoint(to: dir)
                Issue.record("saved over a directory")
            } catch let error as CheckpointError {
                guard case .file(let e) = error, case .unwritable = e.problem else { throw error }
            }
            let message = CheckpointError.mismatch(file: "m.safetensors", missing: ["3.weight"], unexpected: ["x"],
                                                   wrongShapes: [.init(name: "0.bias", expected: [5], found: [8])]).description
            #expect(message == "m.safetensors: the checkpoint does not match the model (missing from the file: \"3.weight\"; "
                + "not in the model: \"x\"; wrong shapes: 0.bias is [8] in the file but [5] in the model); nothing was loaded")
        }
    }
}
