import Foundation
import Testing
@testable import Tensors

/// A hand-made safetensors file: the header text (padded to 8 bytes) and the data.
func safetensorsFile(header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
    var text = Array(header.utf8)
    text += [UInt8](repeating: 0x20, count: (8 - text.count % 8) % 8)
    let n = length ?? UInt64(text.count)
    return Data((0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + text + data)
}

/// The error a decode threw, or nil if it did not throw.
func safetensorsError<S: TensorScalar>(_ data: Data, as _: S.Type = Float.self) -> TensorFileError? {
    do {
        _ = try SafetensorsFile<S>(data: data)
        return nil
    } catch {
        return error
    }
}

@Suite("Safetensors: named tensors with metadata")
struct SafetensorsTests {
    static let f32: [String: Tensor<Float>] = [
        "weight": Fixture.ramp([2, 3]), "bias": Fixture.ramp([3]), "scalar": Tensor(1.5),
        "empty": Fixture.ramp([0, 4]), "layer.0.gain": Fixture.ramp([2, 1, 2, 2]),
    ]
    static let metadata = ["format": "pt", "note": "h\u{e9}llo \"quoted\"\n\ttab"]

    @Test("the reference layout, Float: golden file read, and written back byte for byte")
    func goldenFloat() throws {
        let bytes = try Fixture.data("f32.safetensors")
        let file = try SafetensorsFile<Float>(data: bytes)
        #expect(file.tensors == Self.f32)
        #expect(file.metadata == Self.metadata)
        #expect(SafetensorsFile(tensors: Self.f32, metadata: Self.metadata).encoded() == bytes)
    }

    @Test("the reference layout, Double: golden files read and written back byte for byte; special values bit for bit")
    func goldenDouble() throws {
        let bytes = try Fixture.data("f64.safetensors")
        let tensors: [String: Tensor<Double>] = ["x": Fixture.ramp([4, 2]), "y": Fixture.ramp([3])]
        #expect(try SafetensorsFile<Double>(data: bytes) == SafetensorsFile(tensors: tensors))
        #expect(SafetensorsFile(tensors: tensors).encoded() == bytes)
        let special = try SafetensorsFile<Double>(contentsOf: Fixture.url("f64_special.safetensors"))
        #expect(special.tensors["special"]!.isBitwiseIdentical(to: Tensor(Fixture.special(as: Double.self))))
        #expect(special.encoded() == (try Fixture.data("f64_special.safetensors")))
    }

    @Test("another writer's layout (indented JSON, data not in name order) reads the same")
    func otherLayout() throws {
        let file = try SafetensorsFile<Float>(contentsOf: Fixture.url("f32_unordered.safetensors"))
        #expect(file == SafetensorsFile(tensors: Self.f32))
    }

    @Test("mixed F32/F64 files: the other type is named, not converted")
    func mixed() throws {
        let bytes = try Fixture.data("mixed.safetensors")
        #expect(safetensorsError(bytes, as: Float.self)
            == TensorFileError(file: "<data>", tensor: "b", problem: .scalarTypeMismatch(found: "F64", expected: "F32")))
        #expect(safetensorsError(bytes, as: Double.self)
            == TensorFileError(file: "<data>", tensor: "a", problem: .scalarTypeMismatch(found: "F32", expected: "F64")))
    }

    @Test("round trips through files: Float and Double, ranks 0–4, empty, Unicode names and metadata")
    func roundTrips() throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var f = [String: Tensor<Float>](), d = [String: Tensor<Double>]()
        for (i, shape) in [[], [7], [3, 5], [2, 3, 4], [2, 1, 3, 2], [0], [3, 0, 2]].enumerated() {
            f["t\(i)"] = Tensor(randomNormal: shape, seed: UInt64(i))
            d["t\(i) \u{3b8}\u{2081}/\"\\\u{1}"] = Tensor(randomNormal: shape, seed: UInt64(i))
        }
        let meta = ["epoch": "3", "\u{1F600}": "\u{0}\u{1f}\u{7f}", "": ""]
        try SafetensorsFile(tensors: f, metadata: meta).write(to: dir.appendingPathComponent("f.safetensors"))
        try SafetensorsFile(tensors: d).write(to: dir.appendingPathComponent("d.safetensors"))
        let rf = try SafetensorsFile<Float>(contentsOf: dir.appendingPathComponent("f.safetensors"))
        let rd = try SafetensorsFile<Double>(contentsOf: dir.appendingPathComponent("d.safetensors"))
        #expect(rf.metadata == meta && rd.metadata.isEmpty)
        for (name, t) in f { #expect(rf.tensors[name]!.isBitwiseIdentical(to: t), "\(name)") }
        for (name, t) in d { #expect(rd.tensors[name]!.isBitwiseIdentical(to: t), "\(name)") }
        #expect(try SafetensorsFile<Float>(data: SafetensorsFile<Float>().encoded()) == SafetensorsFile())
    }

    @Test("deterministic: the same tensors inserted in any order give the same bytes; data 8-byte aligned")
    func deterministic() {
        let names = (0..<20).map { "p\($0)" }
        var a = [String: Tensor<Float>](), b = [String: Tensor<Float>]()
        for n in names { a[n] = Tensor([Float(n.count)]) }
        for n in names.reversed() { b[n] = Tensor([Float(n.count)]) }
        let bytes = SafetensorsFile(tensors: a, metadata: ["z": "1", "a": "2"]).encoded()
        #expect(bytes == SafetensorsFile(tensors: b, metadata: ["a": "2", "z": "1"]).encoded())
        #expect(bytes[0] % 8 == 0)
    }

    @Test("framing: short files, header lengths past the limit or the file, headers not starting with '{'")
    func framing() {
        #expect(safetensorsError(Data([1, 2, 3]))?.problem == .truncated(part: "the 8-byte header length", needed: 8, available: 3))
        #expect(safetensorsError(safetensorsFile(header: "{}", length: UInt64.max))?.problem
            == .headerTooLarge(length: UInt64.max, limit: 100_000_000))
        #expect(safetensorsError(safetensorsFile(header: "{}", length: 1 << 63))?.problem
            == .headerTooLarge(length: 1 << 63, limit: 100_000_000))
        #expect(safetensorsError(safetensorsFile(header: "{}", length: 4096))?.problem
            == .truncated(part: "the header", needed: 4096, available: 8))
        #expect(safetensorsError(safetensorsFile(header: " {}"))?.problem == .malformedHeader("the header must start with '{'"))
        var invalidUTF8 = Array(safetensorsFile(header: "{\"ab\":{}}"))
        invalidUTF8[10] = 0xFF
        #expect(safetensorsError(Data(invalidUTF8))?.problem == .malformedHeader("the header is not valid UTF-8"))
    }

    @Test("malformed JSON is rejected with the byte position, deep nesting without recursion overflow")
    func malformedJSON() {
        let cases: [(String, String)] = [
            ("{\"a\":}", "expected a value, found '}' at byte 5"),
            ("{\"a\":{\"dtype\":\"F32\"", "unterminated object"),
            ("{} x", "unexpected 'x' after the JSON value"),
            ("{\"a\" 1}", "expected ':'"),
            ("{\"a\":[1 2]}", "expected ','"),
            ("{\"a\":01}", "leading zero"),
            ("{\"a\":\"\\x\"}", "invalid escape"),
            ("{\"a\":\"\\ud800\"}", "unpaired surrogate"),
            ("{\"a\":\"tab\there\"}", "unescaped control character"),
            ("{\"a\":tru}", "invalid literal"),
            ("{\"a\":" + String(repeating: "[", count: 100_000), "nesting deeper than 32 levels"),
            ("{\"a\":[1,2,3]}", "the entry is an array, not an object"),
            ("{\"__metadata__\":{\"k\":1}}", "__metadata__[\"k\"] is the number 1, not a string"),
            ("{\"__metadata__\":[]}", "__metadata__ is an array"),
            ("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", "has the key \"k\" twice"),
        ]
        for (header, message) in cases {
            let error = safetensorsError(safetensorsFile(header: header))
            guard case .malformedHeader(let text) = error?.problem else {
                Issue.record("\(header.prefix(40)): expected a malformed header, got \(String(describing: error))")
                continue
            }
            #expect(text.contains(message), "\(header.prefix(40)): \(text)")
        }
    }

    @Test("entries: fields, dtypes, shapes and duplicate names are validated, each error naming the tensor")
    func entries() {
        func entry(_ fields: String) -> Data { safetensorsFile(header: "{\"t\":{\(fields)}}", data: [UInt8](repeating: 0, count: 8)) }
        let checks: [(Data, TensorFileError.Problem)] = [
            (entry("\"dtype\":\"F32\",\"shape\":[2]"), .malformedHeader("missing data_offsets")),
            (entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1"),
             .malformedHeader("unexpected field \"x\" (expected dtype, shape and data_offsets)")),
            (entry("\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]"), .malformedHeader("dtype occurs twice")),
            (entry("\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]"), .unsupportedDType(found: "BF16", supported: ["F32", "F64"])),
            (entry("\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]"), .malformedHeader("dtype is the number 32, not a string")),
            (entry("\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]"),
             .malformedHeader("shape holds the number -2, not a non-negative integer that fits in Int")),
            (entry("\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]"),
             .malformedHeader("shape holds the number 2.0, not a non-negative integer that fits in Int")),
            (entry("\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]"),
             .malformedHeader("shape holds the number 99999999999999999999, not a non-negative integer that fits in Int")),
            (entry("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]"),
             .invalidShape(shape: [4_294_967_296, 4_294_967_296], reason: "the element count overflows a 64-bit integer")),
            (entry("\"dtype\":\"F32\",\"shape\":[1099511627776,0],\"data_offsets\":[0,0]"),
             .invalidShape(shape: [1_099_511_627_776, 0],
                           reason: "an empty shape whose other dimensions multiply to 1099511627776, more than 2147483647")),
            (entry("\"dtype\":\"F32\",\"shape\":[0,4294967296,4294967296],\"data_offsets\":[0,0]"),
             .invalidShape(shape: [0, 4_294_967_296, 4_294_967_296], reason: "the element count overflows a 64-bit integer")),
            (entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]"), .invalidOffsets("[8] is not a pair [begin, end]")),
            (entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]"), .invalidOffsets("begin 8 is after end 0")),
            (entry("\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]"),
             .invalidOffsets("[0, 8] span 8 bytes, but shape [3] of F32 needs 12")),
            (entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]"),
             .invalidOffsets("begins at 8 and leaves a gap after the previous tensor, which ends at 0")),
            (entry("\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]"),
             .truncated(part: "the tensor's data [0, 16)", needed: 16, available: 8)),
        ]
        for (data, problem) in checks {
            let error = safetensorsError(data)
            #expect(error == TensorFileError(file: "<data>", tensor: "t", problem: problem), "\(problem)")
        }
        let duplicate = "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}"
        #expect(safetensorsError(safetensorsFile(header: duplicate, data: [UInt8](repeating: 0, count: 8)))
            == TensorFileError(file: "<data>", tensor: "t", problem: .duplicateName))
    }

    @Test("offsets must tile the data: overlaps and trailing bytes are rejected")
    func tiling() {
        let overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}"
        #expect(safetensorsError(safetensorsFile(header: overlap, data: [UInt8](repeating: 0, count: 12)))
            == TensorFileError(file: "<data>", tensor: "b", problem:
                .invalidOffsets("begins at 4 and overlaps the previous tensor, which ends at 8")))
        let one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
        #expect(safetensorsError(safetensorsFile(header: one, data: [UInt8](repeating: 0, count: 9)))?.problem
            == .dataSizeMismatch(expected: 8, found: 9))
        #expect(safetensorsError(safetensorsFile(header: one, data: [UInt8](repeating: 0, count: 8))) == nil)
    }

    @Test("fuzz: every truncation, 2,000 random mutations and 2,000 random files throw or decode, never crash")
    func fuzz() throws {
        let good = try Fixture.data("f32.safetensors")
        for n in 0..<good.count { #expect(safetensorsError(good.prefix(n)) != nil, "prefix \(n)") }
        var g = SeededGenerator(seed: 78)
        for _ in 0..<2000 {
            var bytes = [UInt8](good)
            for _ in 0..<(1 + Int(g.next() % 4)) { bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next()) }
            if let file = try? SafetensorsFile<Float>(data: Data(bytes)) {
                for t in file.tensors.values { #expect(t.count == Shape.count(t.shape)) }
            }
        }
        for _ in 0..<2000 {
            let count = Int(g.next() % 300)
            var bytes = Fixture.randomBytes(count, using: &g)
            if count >= 9 && g.next() % 2 == 0 {  // a plausible length and a '{', so the JSON parser is exercised
                let n = UInt64(count - 8 - Int(g.next() % UInt64(count - 8)))
                bytes.replaceSubrange(0..<9, with: (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + [0x7B])
            }
            #expect(safetensorsError(Data(bytes)) != nil)
        }
    }

    @Test("errors name the file and the tensor")
    func messages() throws {
        let url = Fixture.url("mixed.safetensors")
        do {
            _ = try SafetensorsFile<Float>(contentsOf: url)
            Issue.record("read F64 as Float")
        } catch {
            #expect(error.description.hasPrefix(url.path + ": tensor \"b\": holds F64, but F32 was requested"))
        }
        let error = TensorFileError(file: "m.safetensors", tensor: "w", problem: .invalidOffsets("[0, 20] span 20 bytes"))
        #expect(error.description == "m.safetensors: tensor \"w\": invalid data_offsets: [0, 20] span 20 bytes")
    }
}

@Suite("Safetensors: converting element types (PyTorch import)")
struct SafetensorsConversionTests {
    /// A one-tensor file of `dtype` with the given little-endian element bytes.
    static func file(dtype: String, shape: [Int], bytes: [UInt8]) -> Data {
        var header = "{\"t\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[0,\(bytes.count)]}}"
        while header.utf8.count % 8 != 0 { header += " " }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: bytes)
        return data
    }

    @Test("F32, F64, I64, I32, I8, U8 and BOOL convert to Double and Float; F16 is refused by name")
    func conversions() throws {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let f32 = Self.file(dtype: "F32", shape: [2], bytes: le(Float(1.5).bitPattern) + le(Float(-0.1).bitPattern))
        #expect(try SafetensorsFile<Double>(data: f32, convertingElementTypes: true).tensors["t"] == Tensor([1.5, Double(Float(-0.1))]))
        #expect(throws: TensorFileError.self) { try SafetensorsFile<Double>(data: f32) }  // not without asking
        let f64 = Self.file(dtype: "F64", shape: [1], bytes: le(0.1.bitPattern))
        #expect(try SafetensorsFile<Float>(data: f64, convertingElementTypes: true).tensors["t"] == Tensor([Float(0.1)]))
        let i64 = Self.file(dtype: "I64", shape: [], bytes: le(Int64(-7)))
        #expect(try SafetensorsFile<Double>(data: i64, convertingElementTypes: true).tensors["t"] == Tensor(-7))
        let i32 = Self.file(dtype: "I32", shape: [2], bytes: le(Int32(3)) + le(Int32.min))
        #expect(try SafetensorsFile<Double>(data: i32, convertingElementTypes: true).tensors["t"] == Tensor([3, -2147483648]))
        let small = Self.file(dtype: "I8", shape: [1], bytes: [0xFF])
        #expect(try SafetensorsFile<Double>(data: small, convertingElementTypes: true).tensors["t"] == Tensor([-1]))
        let u8 = Self.file(dtype: "U8", shape: [1], bytes: [0xFF])
        #expect(try SafetensorsFile<Double>(data: u8, convertingElementTypes: true).tensors["t"] == Tensor([255]))
        let bool = Self.file(dtype: "BOOL", shape: [2], bytes: [1, 0])
        #expect(try SafetensorsFile<Double>(data: bool, convertingElementTypes: true).tensors["t"] == Tensor([1, 0]))
        let f16 = Self.file(dtype: "F16", shape: [1], bytes: [0, 0x3C])
        #expect(throws: TensorFileError.self) { try SafetensorsFile<Double>(data: f16, convertingElementTypes: true) }
        let short = Self.file(dtype: "I64", shape: [2], bytes: le(Int64(1)))  // 8 bytes for 16
        #expect(throws: TensorFileError.self) { try SafetensorsFile<Double>(data: short, convertingElementTypes: true) }
    }
}
