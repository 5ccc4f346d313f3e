import Foundation
import Testing
@testable import Tensors

/// Fixture files (Fixtures/make_tensor_file_fixtures.py) and helpers shared by the file-format tests.
enum Fixture {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!
    }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    /// The generator's values: element i of n is (i − n/2)·0.25, exact in Float and Double.
    static func ramp<S: TensorScalar>(_ shape: [Int], as _: S.Type = S.self) -> Tensor<S> {
        let n = Shape.count(shape)
        return Tensor(shape: shape, scalars: (0..<n).map { S($0 - n / 2) * 0.25 })
    }

    /// The generator's SPECIAL values.
    static func special<S: TensorScalar>(as _: S.Type = S.self) -> [S] {
        [0, -0.0, .infinity, -.infinity, .nan, S(1.0 / 3.0), S(1e-300), -2.5]
    }

    /// A fresh empty directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deterministic pseudo-random bytes.
    static func randomBytes(_ count: Int, using g: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    }
}

/// The bytes of a hand-made .npy file: a header (padded as NumPy pads it) and raw data.
func npyFile(header: String, version: UInt8 = 1, data: [UInt8] = []) -> Data {
    let lengthBytes = version == 1 ? 2 : 4
    var text = Array(header.utf8)
    text += [UInt8](repeating: 0x20, count: (64 - (8 + lengthBytes + text.count + 1) % 64) % 64) + [0x0A]
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    for k in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: text.count >> (8 * k))) }
    return Data(out + text + data)
}

/// The problem a decode threw, or nil if it did not throw.
func npyProblem<S: TensorScalar>(_ data: Data, as _: S.Type = Float.self) -> TensorFileError.Problem? {
    do {
        _ = try Tensor<S>(npyData: data)
        return nil
    } catch {
        return error.problem
    }
}

@Suite("NPY: NumPy .npy files")
struct NPYTests {
    @Test("np.save's bytes, Float: read as NumPy wrote them, and written back byte for byte",
          arguments: [("f4_rank0.npy", [Int]()), ("f4_rank1.npy", [5]), ("f4_rank3.npy", [2, 3, 4]), ("f4_empty.npy", [0, 3])])
    func goldenFloat(name: String, shape: [Int]) throws {
        let bytes = try Fixture.data(name)
        let t = try Tensor<Float>(npyData: bytes)
        let expected: Tensor<Float> = shape.isEmpty ? Tensor(1.5) : Fixture.ramp(shape)
        #expect(t.isBitwiseIdentical(to: expected))
        #expect(t.npyData() == bytes)
    }

    @Test("np.save's bytes, Double: read as NumPy wrote them, and written back byte for byte",
          arguments: [("f8_rank2.npy", [2, 3]), ("f8_rank4.npy", [2, 1, 3, 2]), ("f8_empty.npy", [2, 0, 4])])
    func goldenDouble(name: String, shape: [Int]) throws {
        let bytes = try Fixture.data(name)
        let t = try Tensor<Double>(npyData: bytes)
        #expect(t.isBitwiseIdentical(to: Fixture.ramp(shape)))
        #expect(t.npyData() == bytes)
    }

    @Test("±0, ±∞, NaN, 1/3 and subnormals survive bit for bit, both ways")
    func specialValues() throws {
        let f = try Tensor<Float>(npyData: Fixture.data("f4_special.npy"))
        #expect(f.isBitwiseIdentical(to: Tensor(Fixture.special(as: Float.self))))
        #expect(f.npyData() == (try Fixture.data("f4_special.npy")))
        let d = try Tensor<Double>(npyData: Fixture.data("f8_special.npy"))
        #expect(d.isBitwiseIdentical(to: Tensor(Fixture.special(as: Double.self))))
        #expect(d.npyData() == (try Fixture.data("f8_special.npy")))
    }

    @Test("big-endian '>f4'/'>f8', Fortran order, and format versions 2.0 and 3.0 read correctly")
    func variants() throws {
        #expect(try Tensor<Float>(contentsOfNPY: Fixture.url("f4_big_endian.npy")) == Fixture.ramp([2, 3]))
        #expect(try Tensor<Double>(contentsOfNPY: Fixture.url("f8_big_endian.npy")) == Fixture.ramp([3, 2]))
        #expect(try Tensor<Double>(contentsOfNPY: Fixture.url("f8_fortran.npy")) == Fixture.ramp([2, 3, 4]))
        #expect(try Tensor<Float>(contentsOfNPY: Fixture.url("f4_fortran.npy")) == Fixture.ramp([3, 2]))
        #expect(try Tensor<Float>(contentsOfNPY: Fixture.url("f4_v2.npy")) == Fixture.ramp([2, 3]))
        #expect(try Tensor<Double>(contentsOfNPY: Fixture.url("f8_v3.npy")) == Fixture.ramp([4]))
    }

    @Test("round trips through files: Float and Double, ranks 0–4, empty tensors")
    func roundTrips() throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, shape) in [[], [7], [3, 5], [2, 3, 4], [2, 1, 3, 2], [0], [3, 0, 2]].enumerated() {
            let f = Tensor<Float>(randomNormal: shape, seed: UInt64(i))
            let d = Tensor<Double>(randomNormal: shape, seed: UInt64(i))
            let uf = dir.appendingPathComponent("f\(i).npy"), ud = dir.appendingPathComponent("d\(i).npy")
            try f.writeNPY(to: uf)
            try d.writeNPY(to: ud)
            #expect(try Tensor<Float>(contentsOfNPY: uf).isBitwiseIdentical(to: f), "shape \(shape)")
            #expect(try Tensor<Double>(contentsOfNPY: ud).isBitwiseIdentical(to: d), "shape \(shape)")
            #expect(try Tensor<Float>(npyData: f.npyData()).isBitwiseIdentical(to: f))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 14)  // no temporaries left
    }

    @Test("a header past 65,535 bytes is written as format 2.0, data still 64-byte aligned")
    func version2() throws {
        let t = Tensor<Float>(repeating: 2, shape: [Int](repeating: 1, count: 25_000))
        let data = t.npyData()
        #expect(data[6] == 2 && data[7] == 0)
        let headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
        #expect((12 + headerLength) % 64 == 0 && headerLength > 65_535)
        #expect(try Tensor<Float>(npyData: data) == t)
    }

    @Test("header parsing is strict but free in spacing, quotes and key order")
    func headerGrammar() throws {
        let data = [UInt8](repeating: 0, count: 24)
        let loose = npyFile(header: "{ \"shape\":(2,3,) ,\n'fortran_order' :False,'descr':'<f4' }", data: data)
        #expect(try Tensor<Float>(npyData: loose).shape == [2, 3])
        #expect(try Tensor<Float>(npyData: npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L)}",
                                                   data: data)).shape == [2, 3])
        let cases: [(String, String)] = [
            ("{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", "unexpected key 'extra'"),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", "key 'descr' occurs twice"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", "trailing comma"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", "expected True or False"),
            ("{'descr': __import__('os').system('rm'), 'fortran_order': False, 'shape': (6,)}", "expected a quoted string"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", "after the dictionary"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "does not fit"),
            ("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,)}", "without escapes"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", "expected an integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", "expected ',' or '}', found end of header"),
        ]
        for (header, message) in cases {
            let problem = npyProblem(npyFile(header: header, data: data))
            guard case .malformedHeader(let text) = problem else {
                Issue.record("\(header): expected a malformed header, got \(String(describing: problem))")
                continue
            }
            #expect(text.contains(message), "\(header): \(text)")
        }
    }

    @Test("dtype errors: the other float width, integer and half-precision files, structured dtypes")
    func dtypes() throws {
        let asFloat = npyProblem(try Fixture.data("f8_rank2.npy"), as: Float.self)
        #expect(asFloat == .scalarTypeMismatch(found: "'<f8'", expected: "'<f4' (Float)"))
        #expect(asFloat?.description.contains("converted(to:)") == true)
        #expect(npyProblem(try Fixture.data("f4_rank1.npy"), as: Double.self)
            == .scalarTypeMismatch(found: "'<f4'", expected: "'<f8' (Double)"))
        let supported = ["'<f4'", "'>f4'", "'<f8'", "'>f8'"]
        #expect(npyProblem(try Fixture.data("i8_rank1.npy")) == .unsupportedDType(found: "'<i8'", supported: supported))
        #expect(npyProblem(try Fixture.data("f2_rank1.npy")) == .unsupportedDType(found: "'<f2'", supported: supported))
        let structured = npyFile(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", data: [0, 0, 0, 0])
        #expect(npyProblem(structured) == .unsupportedDType(found: "a structured dtype", supported: supported))
    }

    @Test("shapes: negative and overflowing dimensions are rejected, even beside a 0")
    func shapes() {
        let header = { (s: String) in "{'descr': '<f4', 'fortran_order': False, 'shape': \(s)}" }
        #expect(npyProblem(npyFile(header: header("(-1, 3)")))
            == .invalidShape(shape: [-1, 3], reason: "dimension -1 is negative"))
        let big = Int.max / 2 + 1
        guard case .invalidShape(_, let reason) = npyProblem(npyFile(header: header("(\(big), 4)"))) else {
            Issue.record("overflow accepted")
            return
        }
        #expect(reason.contains("overflows"))
        guard case .invalidShape = npyProblem(npyFile(header: header("(0, \(Int.max), \(Int.max))"))) else {
            Issue.record("overflow beside a zero accepted")
            return
        }
        guard case .invalidShape = npyProblem(npyFile(header: header("(\(Int.max / 2),)"))) else {
            Issue.record("byte-count overflow accepted")
            return
        }
        // An empty array with a huge other dimension holds nothing but would allocate for 2⁴⁰
        // results when printed or summed along its zero axis: capped at 2³¹ − 1.
        #expect(npyProblem(npyFile(header: header("(1099511627776, 0)")))
            == .invalidShape(shape: [1_099_511_627_776, 0],
                             reason: "an empty shape whose other dimensions multiply to 1099511627776, more than 2147483647"))
        #expect(npyProblem(npyFile(header: header("(2147483647, 0)"))) == nil)
    }

    @Test("Fortran-order empty arrays: no transpose loop over the non-zero dimension")
    func fortranEmpty() throws {
        // Before the cap and the early return this 128-byte file looped 2⁶²/32 times.
        let hang = npyFile(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (4611686018427387904, 0), }")
        guard case .invalidShape = npyProblem(hang, as: Double.self) else {
            Issue.record("a 2⁶²-row empty Fortran array was accepted")
            return
        }
        let empty = try Tensor<Double>(npyData: npyFile(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 0, 2), }"))
        #expect(empty.shape == [3, 0, 2] && empty.count == 0)
        #expect(Tensor<Double>(zeros: [2_000_000_000, 0]).transposed().shape == [0, 2_000_000_000])
    }

    @Test("bad magic, version, truncation and trailing bytes each throw their own error")
    func framing() throws {
        let good = try Fixture.data("f4_rank3.npy")
        #expect(npyProblem(Data()) == .notNPY(found: []))
        #expect(npyProblem(Data("PK\u{3}\u{4}".utf8)) == .notNPY(found: [0x50, 0x4B, 3, 4]))
        #expect(npyProblem(Data("PK\u{3}\u{4}".utf8))?.description.hasSuffix("an .npz, which is not supported)") == true)
        var v4 = good
        v4[6] = 4
        #expect(npyProblem(v4) == .unsupportedVersion(major: 4, minor: 0))
        #expect(npyProblem(good.prefix(9)) == .truncated(part: "the magic, version and header length", needed: 10, available: 9))
        #expect(npyProblem(good.prefix(100)) == .truncated(part: "the header", needed: 118, available: 90))
        #expect(npyProblem(good.dropLast()) == .dataSizeMismatch(expected: 96, found: 95))
        #expect(npyProblem(good + [0]) == .dataSizeMismatch(expected: 96, found: 97))
        // A 4 GiB header length in a 2.0 file.
        var huge = npyFile(header: "{}", version: 2)
        huge.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(npyProblem(huge) == .truncated(part: "the header", needed: 0xFFFF_FFFF, available: huge.count - 12))
        // A slice of a larger buffer (non-zero startIndex) decodes like the bytes themselves.
        let slice = (Data([1, 2, 3]) + good).dropFirst(3)
        #expect(try Tensor<Float>(npyData: slice) == Fixture.ramp([2, 3, 4]))
    }

    @Test("fuzz: every truncation, 2,000 random mutations and 2,000 random files throw or decode, never crash")
    func fuzz() throws {
        let good = try Fixture.data("f8_rank4.npy")
        for n in 0..<good.count { #expect(npyProblem(good.prefix(n), as: Double.self) != nil, "prefix \(n)") }
        var g = SeededGenerator(seed: 77)
        for _ in 0..<2000 {
            var bytes = [UInt8](good)
            for _ in 0..<(1 + Int(g.next() % 4)) { bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next()) }
            if let t = try? Tensor<Double>(npyData: Data(bytes)) { #expect(t.count == Shape.count(t.shape)) }
        }
        for _ in 0..<2000 {
            var bytes = Fixture.randomBytes(Int(g.next() % 200), using: &g)
            if g.next() % 2 == 0 { bytes.replaceSubrange(0..<min(8, bytes.count), with: [0x93] + Array("NUMPY".utf8) + [1, 0]) }
            #expect(npyProblem(Data(bytes)) != nil)
        }
    }

    @Test("errors name the file and say what was expected")
    func messages() throws {
        let url = Fixture.url("f8_rank2.npy")
        do {
            _ = try Tensor<Float>(contentsOfNPY: url)
            Issue.record("read float64 as Float")
        } catch {
            #expect(error.description.hasPrefix(url.path + ": holds '<f8', but '<f4' (Float) was requested"))
        }
        do {
            _ = try Tensor<Float>(contentsOfNPY: URL(fileURLWithPath: "/nonexistent/x.npy"))
            Issue.record("read a missing file")
        } catch {
            guard case .unreadable = error.problem else { throw error }
            #expect(error.description == "/nonexistent/x.npy: cannot read the file (\(String(cString: strerror(ENOENT))))")
        }
        let directory = url.deletingLastPathComponent()
        #expect(throws: TensorFileError(file: directory.path, problem: .unreadable(reason: String(cString: strerror(EISDIR))))) {
            try Tensor<Float>(contentsOfNPY: directory)
        }
    }
}
