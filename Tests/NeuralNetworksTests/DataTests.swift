import Foundation
import Testing
import Tensors
@testable import NeuralNetworks

@Suite("CSV and datasets")
struct DataTests {
    @Test("CSV: numbers, a header, blank lines and CRLF")
    func parse() throws {
        let t = try CSVTable(text: "a,b,label\r\n1, 2,0\n\n3.5,-4e1,1\n")
        #expect(t.header == ["a", "b", "label"])
        #expect(t.rows == [[1, 2, 0], [3.5, -40, 1]])
    }

    @Test("CSV errors name the file, row and column")
    func errors() {
        #expect(throws: CSVError.badNumber(path: "f.csv", row: 2, column: 2, text: "x")) {
            try CSVTable(text: "1,2\n3,x\n", path: "f.csv")
        }
        #expect(throws: CSVError.raggedRow(path: "f.csv", row: 3, expected: 2, found: 3)) {
            try CSVTable(text: "1,2\n3,4\n5,6,7\n", path: "f.csv")
        }
        #expect(throws: CSVError.empty(path: "f.csv")) { try CSVTable(text: "\n\n", path: "f.csv") }
        #expect(throws: CSVError.empty(path: "f.csv")) { try CSVTable(text: "only,a,header\n", path: "f.csv") }
        // A first line with some numbers is data with a mistake, not a header.
        #expect(throws: CSVError.badNumber(path: "f.csv", row: 1, column: 2, text: "x")) {
            try CSVTable(text: "1,x,0\n3,4,1\n", path: "f.csv")
        }
        #expect(throws: CSVError.badNumber(path: "f.csv", row: 1, column: 3, text: "")) {
            try CSVTable(text: "1,2,\n", path: "f.csv")
        }
        #expect(throws: CSVError.badNumber(path: "f.csv", row: 1, column: 1, text: "nan")) {
            try CSVTable(text: "nan,1\n", path: "f.csv")
        }
        let missing = URL(fileURLWithPath: "/nonexistent/backprop-\(UInt64.random(in: 0...UInt64.max)).csv")
        #expect {
            try CSVTable(contentsOf: missing)
        } throws: { error in
            guard case .unreadable(let path, _) = error as? CSVError else { return false }
            return path == missing.path
        }
        #expect(CSVError.badNumber(path: "f.csv", row: 2, column: 3, text: "x").description == "f.csv:2: column 3: \"x\" is not a number")
        let table = try? CSVTable(text: "1,2,0\n3,4,1\n", path: "f.csv")
        #expect(throws: CSVError.badLabelColumn(path: "f.csv", column: 4, columnCount: 3)) {
            try Dataset<Double>(table: table!, labelColumn: 3, path: "f.csv")
        }
        let single = try? CSVTable(text: "1\n0\n", path: "g.csv")
        #expect(throws: CSVError.badLabelColumn(path: "g.csv", column: 1, columnCount: 1)) {
            try Dataset<Double>(table: single!, path: "g.csv")
        }
        #expect(throws: CSVError.badLabelColumn(path: "f.csv", column: Int.max, columnCount: 3)) {
            try Dataset<Double>(table: table!, labelColumn: Int.max, path: "f.csv")
        }
        #expect(CSVError.badLabelColumn(path: "f.csv", column: 4, columnCount: 3).description
                == "f.csv: label column 4 is outside the table's columns 1…3")
    }

    @Test("CSV: arbitrary bytes never crash; they throw or parse")
    func fuzz() {
        var g = SeededGenerator(seed: 11)
        let alphabet = Array("0123456789.,-e\n \r\tabx".unicodeScalars)
        for _ in 0..<500 {
            let text = String(String.UnicodeScalarView((0..<Int(g.next() % 60)).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }))
            if let t = try? CSVTable(text: text) {
                #expect(t.rows.allSatisfy { $0.count == t.columnCount })
            }
        }
    }

    @Test("Dataset from a table: label column, bad labels throw")
    func dataset() throws {
        let d = try Dataset<Double>(table: CSVTable(text: "1,2,0\n3,4,2\n"))
        #expect(d.features == Tensor([[1, 2], [3, 4]]))
        #expect(d.labels == [0, 2] && d.classCount == 3)
        #expect(d.oneHotLabels == Tensor([[1, 0, 0], [0, 0, 1]]))
        let first = try Dataset<Double>(table: CSVTable(text: "1,2,3\n0,4,5\n"), labelColumn: 0)
        #expect(first.labels == [1, 0] && first.features == Tensor([[2, 3], [4, 5]]))
        #expect(throws: CSVError.badLabel(path: "<table>", row: 2, value: 1.5)) {
            try Dataset<Double>(table: CSVTable(text: "1,0\n2,1.5\n"))
        }
    }

    @Test("Dataset from a table: a label past 65,535 throws tooManyClasses naming the file, row, label and limit")
    func classLimit() throws {
        #expect(Dataset<Double>.maximumClassCount == 65_536)
        let largest = try Dataset<Float>(table: CSVTable(text: "1,2,0\n3,4,65535\n"), path: "l.csv")
        #expect(largest.classCount == 65_536 && largest.labels == [0, 65_535])
        for (label, text) in [(65_536.0, "65536"), (999_999_999, "999999999"), (1e300, "1e+300")] {
            let error = CSVError.tooManyClasses(path: "l.csv", row: 2, label: label, limit: 65_536)
            #expect(throws: error) { try Dataset<Double>(table: CSVTable(text: "1,2,0\n3,4,\(text)\n"), path: "l.csv") }
            #expect(throws: error) { try Dataset<Float>(table: CSVTable(text: "1,2,0\n3,4,\(text)\n"), path: "l.csv") }
        }
        #expect(CSVError.tooManyClasses(path: "l.csv", row: 2, label: 999_999_999, limit: 65_536).description
                == "l.csv:2: label 999999999 is too large: class indices go up to 65535 (at most 65536 classes)")
        #expect(CSVError.tooManyClasses(path: "l.csv", row: 2, label: 1e300, limit: 65_536).description
                .hasPrefix("l.csv:2: label 1e+300 is too large"))
    }

    @Test("split(testEvery: 5) sends rows 4, 9, 14, … to the test set; shuffling is seeded")
    func split() {
        let d = Dataset<Double>(features: Tensor(shape: [12, 1], scalars: (0..<12).map(Double.init)), labels: Array(repeating: 0, count: 12))
        let (train, test) = d.split(testEvery: 5)
        #expect(test.features.scalars == [4, 9])
        #expect(train.count == 10)
        #expect(d.shuffled(seed: 3).features == d.shuffled(seed: 3).features)
        #expect(d.shuffled(seed: 3).features.scalars.sorted() == d.features.scalars)
        var g = SeededGenerator(seed: 1)
        #expect(seededPermutation(5, using: &g).sorted() == [0, 1, 2, 3, 4])
    }

    @Test("the bundled digits: 1,797 images of 64 pixels in [0, 1], ten classes, every class on both sides")
    func digits() throws {
        let d = try Digits.load(as: Double.self)
        #expect(d.count == 1797 && d.features.shape == [1797, 64] && d.classCount == 10)
        #expect(d.features.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let (train, test) = d.split(testEvery: 5)
        #expect(train.count == 1438 && test.count == 359)
        for c in 0..<10 { #expect(test.labels.filter { $0 == c }.count >= 20) }
    }
}
