import Foundation
import Tensors

/// What can go wrong reading a CSV file of numbers. Every case names the file, and the row
/// and column where it applies (1-based, as an editor shows them).
public enum CSVError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not UTF-8 text.
    case notText(path: String)
    /// The file has no data rows.
    case empty(path: String)
    /// A field is not a number.
    case badNumber(path: String, row: Int, column: Int, text: String)
    /// A row has a different number of fields from the first.
    case raggedRow(path: String, row: Int, expected: Int, found: Int)
    /// A label is not a whole number ≥ 0.
    case badLabel(path: String, row: Int, value: Double)
    /// A label is a class index of `limit` or more: the classes would be more than
    /// ``Dataset/maximumClassCount`` (a model's output layer and one-hot labels have one
    /// column per class, so one stray number could ask for gigabytes).
    case tooManyClasses(path: String, row: Int, label: Double, limit: Int)
    /// The label column does not exist, or no column is left for the features
    /// (`column` is 1-based, as an editor shows it).
    case badLabelColumn(path: String, column: Int, columnCount: Int)

    /// A one-line message naming the file and the place.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the file (\(reason))"
        case .notText(let path): "\(path): not a UTF-8 text file"
        case .empty(let path): "\(path): no data rows"
        case .badNumber(let path, let row, let column, let text):
            "\(path):\(row): column \(column): \"\(text.prefix(40))\" is not a number"
        case .raggedRow(let path, let row, let expected, let found):
            "\(path):\(row): \(found) fields, but the first row has \(expected)"
        case .badLabel(let path, let row, let value): "\(path):\(row): label \(value) is not a class index (a whole number ≥ 0)"
        case .tooManyClasses(let path, let row, let label, let limit):
            "\(path):\(row): label \(label < 1e18 ? String(Int(label)) : "\(label)") is too large: "
                + "class indices go up to \(limit - 1) (at most \(limit) classes)"
        case .badLabelColumn(let path, let column, let columnCount):
            columnCount < 2
                ? "\(path): \(columnCount) column; a dataset needs at least 2 (features and a label)"
                : "\(path): label column \(column) is outside the table's columns 1…\(columnCount)"
        }
    }
}

/// A table of numbers read from CSV: one row per line, fields separated by commas.
public struct CSVTable: Sendable, Equatable {
    /// The rows, each with the same number of fields.
    public let rows: [[Double]]
    /// The header's field names, if the first line was not numeric (empty otherwise).
    public let header: [String]

    /// Parses CSV text: blank lines are skipped; a first line that is not all numbers is taken
    /// as a header, with as many fields as the rows; every later field must be a number and
    /// every row as long as the first.
    /// - Parameter path: the name used in error messages.
    public init(text: String, path: String = "<text>") throws(CSVError) {
        var rows = [[Double]]()
        var header = [String]()
        var width = -1
        // Character.isNewline covers "\n", "\r" and "\r\n" (one Character in Swift).
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.map { Double($0) }
            if width < 0 && numbers.allSatisfy({ $0 == nil }) {
                header = fields  // the first non-blank line, when none of its fields is a number
                width = fields.count
                continue
            }
            if width < 0 { width = fields.count }
            if fields.count != width {
                throw .raggedRow(path: path, row: i + 1, expected: width, found: fields.count)
            }
            var row = [Double]()
            row.reserveCapacity(width)
            for (j, (n, f)) in zip(numbers, fields).enumerated() {
                guard let n, n.isFinite else { throw .badNumber(path: path, row: i + 1, column: j + 1, text: f) }
                row.append(n)
            }
            rows.append(row)
        }
        if rows.isEmpty { throw .empty(path: path) }
        self.rows = rows
        self.header = header
    }

    /// Reads and parses a CSV file.
    public init(contentsOf url: URL) throws(CSVError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .notText(path: url.path) }
        try self.init(text: text, path: url.path)
    }

    /// The number of fields per row.
    public var columnCount: Int { rows.first?.count ?? 0 }
}
