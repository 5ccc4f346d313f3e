import Foundation
import Tensors

/// Examples for classification: a feature matrix [n, d] and one class index per example.
public struct Dataset<Scalar: TensorScalar>: Sendable {
    /// X, [n, d]: one example per row.
    public let features: Tensor<Scalar>
    /// The class of each example, in 0..<classCount.
    public let labels: [Int]
    /// The number of classes.
    public let classCount: Int

    /// A dataset from features and labels.
    /// - Precondition: `features` is [n, d] with n = `labels.count`; labels lie in 0..<classCount.
    public init(features: Tensor<Scalar>, labels: [Int], classCount: Int? = nil,
                file: StaticString = #fileID, line: UInt = #line) {
        if features.rank != 2 || features.shape[0] != labels.count {
            ShapeError.fail("Dataset", shapes: [features.shape, [labels.count]], detail: "needs features [n, d] and n labels",
                            file: file, line: line)
        }
        let classes = classCount ?? ((labels.max() ?? -1) + 1)
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            ShapeError.fail("Dataset", shapes: [features.shape], detail: "label \(bad) is outside 0..<\(classes)",
                            file: file, line: line)
        }
        self.features = features
        self.labels = labels
        self.classCount = classes
    }

    /// The most classes a dataset read from a file may have: 65,536 (class indices 0…65,535).
    ///
    /// The class count is the largest label plus one, and a model's output layer and the
    /// one-hot labels have a column per class, so without a bound one stray label (999999999)
    /// would ask for a billion outputs. 2¹⁶ is far beyond any classification table we expect
    /// (ImageNet-21k has 21,841 classes) and keeps a 64-wide last hidden layer at 4 M weights.
    /// Datasets built in code (``init(features:labels:classCount:file:line:)``) are not bounded.
    public static var maximumClassCount: Int { 65_536 }

    /// A dataset from a CSV table whose label is in column `labelColumn` (default: the last).
    /// - Throws: ``CSVError/badLabel(path:row:value:)`` when a label is not a whole number ≥ 0;
    ///   ``CSVError/tooManyClasses(path:row:label:limit:)`` when it is ``maximumClassCount`` or
    ///   more; ``CSVError/badLabelColumn(path:column:columnCount:)`` when the column does not
    ///   exist or the table has fewer than two columns.
    public init(table: CSVTable, labelColumn: Int? = nil, path: String = "<table>") throws(CSVError) {
        let column = labelColumn ?? (table.columnCount - 1)
        guard column >= 0 && column < table.columnCount, table.columnCount >= 2 else {
            throw .badLabelColumn(path: path, column: Swift.min(column, Int.max - 1) + 1, columnCount: table.columnCount)
        }
        var labels = [Int](), values = [Scalar]()
        for (i, row) in table.rows.enumerated() {
            let v = row[column]
            guard v >= 0, v == v.rounded() else { throw .badLabel(path: path, row: i + 1, value: v) }
            let limit = Self.maximumClassCount
            guard v < Double(limit) else { throw .tooManyClasses(path: path, row: i + 1, label: v, limit: limit) }
            labels.append(Int(v))
            for (j, x) in row.enumerated() where j != column { values.append(Scalar(x)) }
        }
        self.init(features: Tensor(shape: [table.rows.count, table.columnCount - 1], scalars: values), labels: labels)
    }

    /// The number of examples.
    public var count: Int { labels.count }

    /// The labels as one-hot rows: Y[i, c] = 1 if example i is of class c, else 0.
    public var oneHotLabels: Tensor<Scalar> { oneHot(labels, classCount: classCount) }

    /// The examples at the given positions, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        let d = features.shape[1]
        var values = [Scalar]()
        values.reserveCapacity(indices.count * d)
        let x = features.scalars
        for i in indices { values.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
        return Dataset(features: Tensor(shape: [indices.count, d], scalars: values), labels: indices.map { labels[$0] },
                       classCount: classCount)
    }

    /// Every `k`-th example (positions k−1, 2k−1, …) goes to the test set, the rest to training.
    ///
    /// Rows of the bundled digits are grouped by writer; taking every fifth row puts a fifth of
    /// each writer's digits on the test side instead of whole writers on one side.
    public func split(testEvery k: Int) -> (training: Dataset, test: Dataset) {
        if !(k >= 2) { fatalError("split(testEvery:): k must be at least 2, got \(k)") }
        let test = stride(from: k - 1, to: count, by: k).map { $0 }
        let training = (0..<count).filter { ($0 + 1) % k != 0 }
        return (subset(training), subset(test))
    }

    /// The examples in a seeded random order (Fisher–Yates with ``SeededGenerator``).
    public func shuffled(seed: UInt64) -> Dataset {
        var g = SeededGenerator(seed: seed)
        return subset(seededPermutation(count, using: &g))
    }

    /// Features divided by a constant (e.g. 16 for the digits' 0…16 pixel counts).
    public func scaled(by divisor: Scalar) -> Dataset {
        Dataset(features: features / divisor, labels: labels, classCount: classCount)
    }
}

/// One-hot rows: Y[i, c] = 1 if `labels[i]` = c, else 0.
/// - Precondition: every label lies in 0..<classCount.
public func oneHot<Scalar: TensorScalar>(_ labels: [Int], classCount: Int) -> Tensor<Scalar> {
    var y = [Scalar](repeating: 0, count: labels.count * classCount)
    for (i, c) in labels.enumerated() {
        if !(c >= 0 && c < classCount) { fatalError("oneHot: label \(c) of example \(i) is outside 0..<\(classCount)") }
        y[i * classCount + c] = 1
    }
    return Tensor(shape: [labels.count, classCount], scalars: y)
}

/// A permutation of 0..<n by Fisher–Yates, drawing from our generator (the standard library's
/// `shuffle` may change its algorithm between versions; this does not).
public func seededPermutation(_ n: Int, using generator: inout SeededGenerator) -> [Int] {
    var p = Array(0..<n)
    if n < 2 { return p }
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = Int(generator.next() % UInt64(i + 1))
        p.swapAt(i, j)
    }
    return p
}

/// The bundled 8×8 handwritten digits: 1,797 images of 64 pixel counts (0…16) and their digit.
///
/// E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
/// Repository, 1998 (CC BY 4.0); the copy scikit-learn ships (the UCI test set).
public enum Digits {
    /// Loads the bundled digits, pixels scaled to [0, 1] (divided by 16).
    public static func load<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) throws(CSVError) -> Dataset<Scalar> {
        guard let url = Bundle.module.url(forResource: "digits", withExtension: "csv") else {
            throw .unreadable(path: "digits.csv", reason: "the bundled resource is missing")
        }
        let table = try CSVTable(contentsOf: url)
        return try Dataset<Scalar>(table: table, path: url.path).scaled(by: 16)
    }
}
