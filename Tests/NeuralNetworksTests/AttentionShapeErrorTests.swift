import Foundation
import Testing
import Autodiff
import NeuralNetworks
import Tensors

/// The standard error of an exit test's process, as text.
private func standardError(_ result: ExitTest.Result?) -> String {
    result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
}

@Suite("Embedding, LayerNorm, attention: bad input stops with the op, the shapes and the caller's line")
struct AttentionShapeErrorTests {
    @Test("an out-of-range embedding index names Embedding, the index, the count and this file")
    func embeddingIndex() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            _ = Embedding<Double>(count: 10, dimension: 3, using: &g)([1, 10], on: Tape<Double>())
        }
        let text = standardError(result)
        #expect(text.contains("Embedding"))
        #expect(text.contains("index 10 is out of range for a table of count 10"))
        #expect(text.contains("AttentionShapeErrorTests.swift"))
    }

    @Test("a non-integral index in a variable names Embedding and the value")
    func embeddingNonIntegral() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let tape = Tape<Double>()
            _ = Embedding<Double>(count: 10, dimension: 3, using: &g).lookUp(tape.constant(Tensor([2.5])))
        }
        let text = standardError(result)
        #expect(text.contains("Embedding") && text.contains("2.5") && text.contains("AttentionShapeErrorTests.swift"))
    }

    @Test("a key padding mask of the wrong shape names MultiHeadAttention, both shapes and this file")
    func maskShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let attention = MultiHeadAttention<Double>(embeddingSize: 4, headCount: 2, using: &g)
            let tape = Tape<Double>()
            _ = attention(tape.constant(Tensor(zeros: [2, 3, 4])), causal: false, keyPaddingMask: Tensor(zeros: [3, 2]))
        }
        let text = standardError(result)
        #expect(text.contains("MultiHeadAttention: shapes [3, 2] and [2, 3]"))
        #expect(text.contains("AttentionShapeErrorTests.swift"))
    }

    @Test("a query of the wrong width names MultiHeadAttention and the shapes")
    func attentionWidth() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let attention = MultiHeadAttention<Double>(embeddingSize: 4, headCount: 2, using: &g)
            let tape = Tape<Double>()
            let x = tape.constant(Tensor<Double>(zeros: [2, 3, 5]))
            _ = attention(query: x, key: x, value: x)
        }
        let text = standardError(result)
        #expect(text.contains("MultiHeadAttention") && text.contains("[2, 3, 5]") && text.contains("AttentionShapeErrorTests.swift"))
    }

    @Test("an input whose trailing axes are not the normalized shape names LayerNorm, both shapes and this file")
    func layerNormShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let tape = Tape<Double>()
            _ = LayerNorm<Double>(normalizedShape: [4]).normalize(tape.constant(Tensor(zeros: [2, 5])))
        }
        let text = standardError(result)
        #expect(text.contains("LayerNorm: shapes [2, 5] and [4]"))
        #expect(text.contains("AttentionShapeErrorTests.swift"))
    }

    @Test("an encoder layer input of the wrong width names TransformerEncoderLayer and the shape")
    func encoderWidth() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var g = SeededGenerator(seed: 1)
            let layer = TransformerEncoderLayer<Double>(embeddingSize: 4, headCount: 2, feedForwardSize: 8, using: &g)
            let tape = Tape<Double>()
            _ = layer(tape.constant(Tensor(zeros: [2, 3, 6])), causal: false)
        }
        let text = standardError(result)
        #expect(text.contains("TransformerEncoderLayer") && text.contains("[2, 3, 6]") && text.contains("AttentionShapeErrorTests.swift"))
    }
}
