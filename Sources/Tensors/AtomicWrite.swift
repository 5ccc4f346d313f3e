import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Note [Atomic writes]
// A reader must see either the old file or the complete new one, never a prefix. We write to a
// fresh temporary file in the destination's directory (same file system, so rename(2) is
// atomic), flush it with fsync, give it the old file's permission bits, and rename it over the
// destination; then we fsync the directory so the rename itself survives a crash. On any
// failure the temporary file is removed and the destination is untouched. Done by hand
// rather than with `Data.write(options: .atomic)` so that the steps (and the fsyncs) are the
// same on Linux and macOS and visible here. Platforms without POSIX fall back to Foundation.

/// Whole-file writes that replace the destination whole or not at all (Note [Atomic writes]),
/// shared by every writer in the package (tensor files, checkpoints, the command's outputs).
package enum AtomicWrite {
    /// A step that tests can make fail, to check that the destination survives.
    package enum Step {
        /// Fail with EIO after writing half of the data to the temporary file.
        case write
        /// Fail the rename with EIO.
        case rename
    }

    /// Writes `data` to `url` so that the file is replaced whole or not at all.
    /// - Parameter failing: for tests only: simulate an I/O error at this step.
    package static func write(_ data: Data, to url: URL, failing: Step? = nil) throws(TensorFileError) {
        #if canImport(Darwin) || canImport(Glibc) || canImport(Musl)
        try posixWrite(data, to: url, failing: failing)
        #else
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw TensorFileError(file: url.path, problem: .unwritable(reason: ScalarBytes.systemReason(error)))
        }
        #endif
    }

    #if canImport(Darwin) || canImport(Glibc) || canImport(Musl)
    private static func posixWrite(_ data: Data, to url: URL, failing: Step?) throws(TensorFileError) {
        let destination = url.path
        // Write where a symbolic link points (`latest.safetensors -> ckpt-42.safetensors`):
        // renaming over the link itself would replace it with a plain file.
        let url = url.resolvingSymlinksInPath()
        let target = url.path
        func failure(_ step: String, _ code: Int32) -> TensorFileError {
            TensorFileError(file: destination, problem: .unwritable(reason: "\(step): \(String(cString: strerror(code)))"))
        }
        let directory = url.deletingLastPathComponent().path
        var existing = stat()
        let hadFile = stat(target, &existing) == 0
        if hadFile && (existing.st_mode & S_IFMT) == S_IFDIR {
            throw failure("the destination", EISDIR)
        }

        // A fresh name; O_EXCL guarantees we never write into someone else's file. The base is
        // shortened so that a destination name near the 255-byte limit still leaves room.
        var temporary = ""
        var fd: Int32 = -1
        let base = String(String.UnicodeScalarView(url.lastPathComponent.unicodeScalars.prefix(48)))
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = directory + "/." + base + ".tmp-" + suffix
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 { throw failure("creating a temporary file in \(directory)", errno) }

        var error: TensorFileError?
        if failing == .write {
            _ = writeAll(data.prefix(data.count / 2), to: fd)
            error = failure("writing", EIO)
        } else {
            error = writeAll(data, to: fd).map { failure("writing", $0) }
        }
        if error == nil, hadFile, fchmod(fd, existing.st_mode & 0o7777) != 0 { error = failure("setting permissions", errno) }
        if error == nil, flushToDisk(fd) != 0, errno != EINVAL, errno != ENOTSUP { error = failure("flushing", errno) }
        if close(fd) != 0, error == nil { error = failure("closing", errno) }
        if error == nil, failing == .rename { error = failure("renaming into place", EIO) }
        if error == nil, rename(temporary, target) != 0 { error = failure("renaming into place", errno) }
        if let error {
            unlink(temporary)
            throw error
        }
        // Make the rename durable; a failure here cannot undo it, so it is not reported.
        let dirfd = open(directory, O_RDONLY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = flushToDisk(dirfd)
            close(dirfd)
        }
    }

    /// Writes every byte, retrying short writes and interruptions; the errno on failure.
    private static func writeAll(_ data: Data, to fd: Int32) -> Int32? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }
    #endif
}

#if canImport(Darwin) || canImport(Glibc) || canImport(Musl)
/// Flushes a file to the storage device: on Darwin `fsync` only reaches the drive's cache, so
/// `F_FULLFSYNC` is asked first (falling back to `fsync` where the file system refuses it).
private func flushToDisk(_ fd: Int32) -> Int32 {
    #if canImport(Darwin)
    if fcntl(fd, F_FULLFSYNC) == 0 { return 0 }
    #endif
    return fsync(fd)
}

/// write(2), named apart from ``AtomicWrite/write(_:to:failing:)``.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    Darwin.write(fd, bytes, count)
    #elseif canImport(Glibc)
    Glibc.write(fd, bytes, count)
    #else
    Musl.write(fd, bytes, count)
    #endif
}
#endif
