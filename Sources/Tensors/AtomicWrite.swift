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

// Note [Stale temporaries]
// A writer killed between creating its temporary and renaming it (kill -9, a power cut) leaves
// the temporary behind; nothing else will ever remove it. So the name says who wrote it —
// `.<name>.tmp-<host>-<pid>-<random>` — and every write first removes the temporaries of its
// own destination whose writer is gone: same prefix, our host tag, and a pid for which
// kill(pid, 0) fails with ESRCH. A live writer (kill succeeds or says EPERM), a reused pid,
// another host's file (a shared directory: its pids mean nothing here) and any name not of
// exactly this form are left alone, so a concurrent save is never disturbed and the
// conservative mistake is to keep garbage, never to delete a file in use. The host tag is
// four base-36 digits of a hash of the host name; the base is the name's first 48 Unicode
// scalars, so two destinations sharing those clean each other's dead temporaries too (still
// only ours, still only dead). Removal is best effort: a temporary that cannot be removed
// does not fail the write. Length: 1 + 48 × 4 bytes (UTF-8) + ".tmp-" + 4 + 1 + 10 + 1 + 13
// (UInt64 in base 36) = 227 bytes at most, within the usual 255-byte limit on a name.

/// Whole-file writes that replace the destination whole or not at all (Note [Atomic writes]),
/// shared by every writer in the package (tensor files, checkpoints, the command's outputs).
package enum AtomicWrite {
    /// A step that tests can make fail, to check that the destination survives.
    package enum Step {
        /// Fail with EIO after writing half of the data to the temporary file.
        case write
        /// Fail the rename with EIO.
        case rename
        /// Stop before the rename and leave the complete temporary file behind, as a writer
        /// killed at that point would (Note [Stale temporaries]); throws as `rename` does.
        case abandon
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
        // shortened so that a destination name near the 255-byte limit still leaves room, and
        // the name carries our host and pid (Note [Stale temporaries]).
        let prefix = temporaryPrefix(for: url.lastPathComponent)
        removeStaleTemporaries(in: directory, prefix: prefix)
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = directory + "/" + prefix + String(getpid()) + "-" + suffix
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
        if error == nil, failing == .abandon { throw failure("renaming into place", EINTR) }
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

    /// The start of every temporary name for a destination called `name`, up to the pid:
    /// `.<first 48 scalars of name>.tmp-<host>-` (Note [Stale temporaries]).
    package static func temporaryPrefix(for name: String) -> String {
        let base = String(String.UnicodeScalarView(name.unicodeScalars.prefix(48)))
        return "." + base + ".tmp-" + hostTag + "-"
    }

    /// Four base-36 digits of the FNV-1a hash of the host name, so that a directory shared
    /// between machines (or pid namespaces with their own host names) never has its pids
    /// checked on the wrong host.
    package static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let named = gethostname(&buffer, buffer.count - 1) == 0
        let name = named ? buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) } : []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = String(hash % 1_679_616, radix: 36)  // 36⁴
        return String(repeating: "0", count: 4 - digits.count) + digits
    }()

    /// Removes the temporaries in `directory` named `prefix` + pid + "-" + base-36 digits whose
    /// process no longer exists (Note [Stale temporaries]); errors are ignored.
    private static func removeStaleTemporaries(in directory: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let prefixBytes = Array(prefix.utf8)
        for name in names {
            // Compare bytes, not Strings: String equality is Unicode-canonical, file names are not.
            let bytes = Array(name.utf8)
            guard bytes.count > prefixBytes.count, bytes.starts(with: prefixBytes) else { continue }
            let rest = bytes[prefixBytes.count...].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            guard rest.count == 2, let pid = writerPID(rest[0]), isRandomSuffix(rest[1]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink(directory + "/" + name)
            }
        }
    }

    /// A positive decimal pid without leading zeros (as `String(getpid())` writes it), or nil.
    private static func writerPID(_ digits: ArraySlice<UInt8>) -> pid_t? {
        guard let first = digits.first, first != UInt8(ascii: "0"), digits.count <= 10,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int32(String(decoding: digits, as: UTF8.self)), value > 0 else { return nil }
        return pid_t(value)
    }

    /// One to thirteen lowercase base-36 digits (a UInt64 as `String(_:radix: 36)` writes it).
    private static func isRandomSuffix(_ digits: ArraySlice<UInt8>) -> Bool {
        (1...13).contains(digits.count)
            && digits.allSatisfy {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
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
