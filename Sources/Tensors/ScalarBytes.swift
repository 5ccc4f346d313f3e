import Foundation

// Shared by the NPY and safetensors readers and writers: element counts that cannot
// overflow, scalars to and from little- or big-endian bytes, and whole-file reads.

enum ScalarBytes {
    /// Whether this machine stores integers most significant byte first.
    static let hostIsBigEndian = UInt16(1).bigEndian == 1

    /// The element count and byte count of `shape` for elements of `size` bytes, or a
    /// description of why the shape is invalid.
    ///
    /// A dimension may be 0 (an empty tensor), but the product of the non-zero dimensions must
    /// stay at most ``maximumEmptyExtent``: an empty tensor of shape [2⁴⁰, 0] holds nothing, yet
    /// printing it or summing it along its zero axis would allocate for 2⁴⁰ results.
    static func counts(of shape: [Int], elementSize size: Int) -> Result<(elements: Int, bytes: Int), InvalidShape> {
        var nonZero = 1
        var hasZero = false
        for d in shape {
            if d < 0 { return .failure(InvalidShape(reason: "dimension \(d) is negative")) }
            if d == 0 {
                hasZero = true
                continue
            }
            let (p, overflow) = nonZero.multipliedReportingOverflow(by: d)
            if overflow { return .failure(InvalidShape(reason: "the element count overflows a \(Int.bitWidth)-bit integer")) }
            nonZero = p
        }
        if hasZero && nonZero > maximumEmptyExtent {
            return .failure(InvalidShape(reason: "an empty shape whose other dimensions multiply to \(nonZero), more than \(maximumEmptyExtent)"))
        }
        let elements = hasZero ? 0 : nonZero
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: size)
        if overflow { return .failure(InvalidShape(reason: "the byte count overflows a \(Int.bitWidth)-bit integer")) }
        return .success((elements, bytes))
    }

    /// The largest product of the non-zero dimensions of an empty shape (2³¹ − 1).
    static let maximumEmptyExtent = Int(Int32.max)

    /// Why a shape was rejected (an `Error` only so that it can travel in a `Result`).
    struct InvalidShape: Error {
        /// The explanation, for ``TensorFileError/Problem/invalidShape(shape:reason:)``.
        let reason: String
    }

    /// `count` scalars stored at byte `offset` of `data` (relative to its first byte).
    /// - Precondition: the range lies within `data` (the callers have checked it).
    static func decode<S: TensorScalar>(_ data: Data, at offset: Int, count: Int, bigEndian: Bool) -> [S] {
        let size = MemoryLayout<S>.stride
        var out = [S](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let start = data.startIndex + offset
            data.copyBytes(to: buffer, from: start..<start + count * size)
        }
        if bigEndian != hostIsBigEndian { swapBytes(&out) }
        return out
    }

    /// Appends the scalars' bytes to `data`, little-endian.
    static func appendLittleEndian<S: TensorScalar>(_ scalars: [S], to data: inout Data) {
        if hostIsBigEndian {
            var swapped = scalars
            swapBytes(&swapped)
            swapped.withUnsafeBufferPointer { data.append($0) }
        } else {
            scalars.withUnsafeBufferPointer { data.append($0) }
        }
    }

    /// Reverses the bytes of every element in place.
    static func swapBytes<S: TensorScalar>(_ scalars: inout [S]) {
        let size = MemoryLayout<S>.stride
        scalars.withUnsafeMutableBytes { raw in
            for base in stride(from: 0, to: raw.count, by: size) {
                var lo = base, hi = base + size - 1
                while lo < hi {
                    raw.swapAt(lo, hi)
                    lo += 1
                    hi -= 1
                }
            }
        }
    }

    /// The unsigned little-endian integer in `width` bytes at `offset`.
    static func littleEndianInteger(_ data: Data, at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<width).reversed() { value = value << 8 | UInt64(data[data.startIndex + offset + i]) }
        return value
    }

    /// The bytes of `data` in a relative range, as an array.
    static func bytes(_ data: Data, _ range: Range<Int>) -> [UInt8] {
        [UInt8](data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)])
    }

    /// The whole contents of a file, or ``TensorFileError/Problem/unreadable(reason:)``.
    static func readFile(_ url: URL) throws(TensorFileError) -> Data {
        // Foundation's reasons for these two are vague on Linux ("error 256"); say it plainly.
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            throw TensorFileError(file: url.path, problem: .unreadable(reason: String(cString: strerror(ENOENT))))
        }
        if isDirectory.boolValue {
            throw TensorFileError(file: url.path, problem: .unreadable(reason: String(cString: strerror(EISDIR))))
        }
        do {
            // Not memory-mapped: a file truncated by another process while mapped would crash us.
            return try Data(contentsOf: url)
        } catch {
            throw TensorFileError(file: url.path, problem: .unreadable(reason: systemReason(error)))
        }
    }

    /// A short reason from a Foundation error.
    static func systemReason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
