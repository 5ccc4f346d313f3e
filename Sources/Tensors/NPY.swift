import Foundation

// NumPy's .npy format (numpy.lib.format), read and written:
//
//     offset 0   "\x93NUMPY"                 magic, 6 bytes
//            6   major, minor                1.0, 2.0 or 3.0
//            8   header length, little-endian: 2 bytes (1.0) or 4 bytes (2.0, 3.0)
//     10 or 12   header: a Python dict literal, space-padded, ending in "\n"
//                (NumPy pads so that the data starts at a multiple of 64 bytes)
//            …   the elements, row-major (or column-major if fortran_order), in descr's byte order
//
// See Docs/FileFormats.md.

extension Tensor {
    /// A tensor decoded from the bytes of a NumPy `.npy` file.
    ///
    /// Reads format versions 1.0, 2.0 and 3.0, any rank (0 included) and empty arrays. The
    /// dtype must be this tensor's scalar type, in either byte order: `'<f4'` or `'>f4'` for
    /// `Tensor<Float>`, `'<f8'` or `'>f8'` for `Tensor<Double>`. A float32 file read as
    /// `Tensor<Double>` (or the reverse) throws rather than converting silently; read it with
    /// the matching type and call ``converted(to:)``. Column-major (`fortran_order: True`)
    /// files are transposed into row-major order, so `x[i, j]` means what it meant in NumPy.
    ///
    ///     let x = try Tensor<Float>(npyData: Data(contentsOf: url))
    ///
    /// - Throws: ``TensorFileError`` naming `<data>` when the bytes are not such a file:
    ///   wrong magic, unsupported version or dtype, malformed header, invalid shape, or a data
    ///   section whose size differs from the shape's (trailing bytes included).
    /// - Complexity: O(n) in the file size.
    public init(npyData data: Data) throws(TensorFileError) {
        self = try Self.decodeNPY(data, file: "<data>")
    }

    /// A tensor read from a NumPy `.npy` file; see ``init(npyData:)``.
    /// - Throws: ``TensorFileError`` naming the file if it cannot be read or is not valid.
    public init(contentsOfNPY url: URL) throws(TensorFileError) {
        self = try Self.decodeNPY(ScalarBytes.readFile(url), file: url.path)
    }

    /// The bytes NumPy's `np.save` writes for this array: format 1.0 (2.0 if the header
    /// exceeds 65,535 bytes), dtype `'<f4'` or `'<f8'`, C order, the header padded so that the
    /// data starts at a multiple of 64 bytes.
    /// - Complexity: O(n).
    public func npyData() -> Data {
        let header = NPYHeader(descr: Self.npyDescr(littleEndian: true), fortranOrder: false, shape: shape)
        var data = Data(header.encoded)
        data.reserveCapacity(data.count + count * MemoryLayout<Scalar>.stride)
        ScalarBytes.appendLittleEndian(scalars, to: &data)
        return data
    }

    /// Writes ``npyData()`` to `url` atomically: the file is replaced whole or not at all.
    /// - Throws: ``TensorFileError`` with ``TensorFileError/Problem/unwritable(reason:)`` if the
    ///   file cannot be written; the previous file, if any, is then unchanged.
    public func writeNPY(to url: URL) throws(TensorFileError) {
        try AtomicWrite.write(npyData(), to: url)
    }

    /// `'<f4'` / `'>f8'` …: NumPy's dtype string for this scalar type.
    static func npyDescr(littleEndian: Bool) -> String {
        (littleEndian ? "<" : ">") + "f\(MemoryLayout<Scalar>.stride)"
    }

    static func decodeNPY(_ data: Data, file: String) throws(TensorFileError) -> Tensor {
        func failure(_ problem: TensorFileError.Problem) -> TensorFileError { TensorFileError(file: file, problem: problem) }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        let prefix = ScalarBytes.bytes(data, 0..<min(data.count, 6))
        if prefix != Array(magic.prefix(prefix.count)) || prefix.isEmpty {
            throw failure(.notNPY(found: ScalarBytes.bytes(data, 0..<min(data.count, 8))))
        }
        if data.count < 10 {
            throw failure(.truncated(part: "the magic, version and header length", needed: 10, available: data.count))
        }
        let major = Int(data[data.startIndex + 6]), minor = Int(data[data.startIndex + 7])
        guard (1...3).contains(major), minor == 0 else { throw failure(.unsupportedVersion(major: major, minor: minor)) }
        let lengthBytes = major == 1 ? 2 : 4
        if data.count < 8 + lengthBytes {
            throw failure(.truncated(part: "the header length", needed: 8 + lengthBytes, available: data.count))
        }
        let headerStart = 8 + lengthBytes
        let headerLength = Int(ScalarBytes.littleEndianInteger(data, at: 8, width: lengthBytes))
        if data.count - headerStart < headerLength {
            throw failure(.truncated(part: "the header", needed: headerLength, available: data.count - headerStart))
        }

        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: ScalarBytes.bytes(data, headerStart..<headerStart + headerLength))
        } catch {
            switch error {
            case .malformed(let message): throw failure(.malformedHeader(message))
            case .structuredDType: throw failure(.unsupportedDType(found: "a structured dtype", supported: supported))
            }
        }

        let bigEndian: Bool
        switch header.descr {
        case npyDescr(littleEndian: true): bigEndian = false
        case npyDescr(littleEndian: false): bigEndian = true
        case "<f4", ">f4", "<f8", ">f8":
            let expected = "'\(npyDescr(littleEndian: true))' (\(Scalar.typeName))"
            throw failure(.scalarTypeMismatch(found: "'\(header.descr)'", expected: expected))
        default: throw failure(.unsupportedDType(found: "'\(header.descr)'", supported: supported))
        }

        let counts: (elements: Int, bytes: Int)
        switch ScalarBytes.counts(of: header.shape, elementSize: MemoryLayout<Scalar>.stride) {
        case .success(let c): counts = c
        case .failure(let invalid): throw failure(.invalidShape(shape: header.shape, reason: invalid.reason))
        }
        let dataStart = headerStart + headerLength
        if data.count - dataStart != counts.bytes {
            throw failure(.dataSizeMismatch(expected: counts.bytes, found: data.count - dataStart))
        }
        let scalars: [Scalar] = ScalarBytes.decode(data, at: dataStart, count: counts.elements, bigEndian: bigEndian)
        if header.fortranOrder && header.shape.count > 1 && counts.elements > 0 {
            // Column-major data is the row-major data of the reversed shape; reversing the axes
            // back gives the array NumPy meant.
            return Tensor(uncheckedShape: header.shape.reversed(), scalars: scalars).transposed()
        }
        return Tensor(uncheckedShape: header.shape, scalars: scalars)
    }

    private static var supported: [String] { ["'<f4'", "'>f4'", "'<f8'", "'>f8'"] }
}
