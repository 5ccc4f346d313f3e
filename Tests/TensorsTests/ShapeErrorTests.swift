import Testing
@testable import Tensors

@Suite("Shape errors name the op, the shapes and the caller")
struct ShapeErrorTests {
    @Test("the message format")
    func message() {
        let m = ShapeError.message("matmul", shapes: [[2, 3], [4, 5]], detail: "inner dimensions differ (3 ≠ 4)",
                                   file: "Model.swift", line: 12)
        #expect(m == "matmul: shapes [2, 3] and [4, 5]: inner dimensions differ (3 ≠ 4) (at Model.swift:12)")
        let op = ShapeError.message("add", shapes: [[2], [3]], detail: "cannot broadcast", file: "", line: 0)
        #expect(op.contains("called through an operator"))
    }

    @Test("matmul with mismatched inner dimensions stops with the op, both shapes and this line")
    func matmulMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor<Double>(zeros: [2, 3]), Tensor<Double>(zeros: [4, 5]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("matmul: shapes [2, 3] and [4, 5]: inner dimensions differ"))
            #expect(text.contains("ShapeErrorTests.swift:"))
        }
    }

    @Test("broadcasting incompatible shapes stops with both shapes")
    func broadcastMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [2, 3]) + Tensor<Double>(zeros: [3, 2])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("add: shapes [2, 3] and [3, 2]: cannot broadcast"))
        }
    }

    @Test("a Tensor operator says it was called through an operator; the named method names this line")
    func operatorAndMethod() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [2, 3]) * Tensor<Double>(zeros: [4])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("multiply: shapes [2, 3] and [4]: cannot broadcast"))
            #expect(text.contains("called through an operator"))
            #expect(!text.contains("Arithmetic.swift"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [2, 3]).multiplied(by: Tensor<Double>(zeros: [4]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("multiply: shapes [2, 3] and [4]: cannot broadcast"))
            #expect(text.contains("ShapeErrorTests.swift:"))
        }
    }

    @Test("addingBias on tensors: a bias of the wrong width stops with both shapes and this line")
    func addingBiasMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(zeros: [2, 3]).addingBias(Tensor<Double>(zeros: [2]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("addBias: shapes [2, 3] and [2]: needs a matrix [m, n] and a bias [n] or [1, n]"))
            #expect(text.contains("ShapeErrorTests.swift:"))
        }
    }

    @Test("an empty shape list gives \"op: detail\" without a stray colon")
    func noShapes() {
        let m = ShapeError.message("record", shapes: [], detail: "not now", file: "A.swift", line: 3)
        #expect(m == "record: not now (at A.swift:3)")
    }
}
