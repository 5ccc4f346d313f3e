import Foundation
import Testing
@testable import Autodiff

/// Every op name of every family (the function enums are `CaseIterable`), plus the families
/// that are a single op.
let allOpNames: [String] =
    UnaryFunction.allCases.map(\.rawValue) + ScalarFunction.allCases.map(\.rawValue)
    + BinaryFunction.allCases.map(\.rawValue) + Reduction.allCases.map(\.rawValue)
    + AxisFunction.allCases.map(\.rawValue) + ShapeFunction.allCases.map(\.rawValue)
    + ArgmaxFunction.allCases.map(\.rawValue) + LossFunction.allCases.map(\.rawValue)
    + ConvolutionFunction.allCases.map(\.rawValue) + PoolingFunction.allCases.map(\.rawValue)
    + ["matmul", "select", "concatenate", "custom", "leaf"]

@Suite("Docs/Operators.md covers the op set")
struct OperatorsDocTests {
    @Test("every op of every family has a row in Docs/Operators.md")
    func everyOpDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("Docs/Operators.md"), encoding: .utf8)
        #expect(allOpNames.count >= 50, "found only \(allOpNames.count) op names")
        #expect(Set(allOpNames).count == allOpNames.count, "an op name is used twice")
        for name in allOpNames {
            #expect(doc.contains("| `\(name)` |"), "Docs/Operators.md has no row for `\(name)`")
        }
    }
}
