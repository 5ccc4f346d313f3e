import Foundation
import Testing
@testable import Tensors

@Suite("Atomic writes: a file is replaced whole or not at all")
struct AtomicWriteTests {
    let old = Data("the previous contents".utf8)
    let new = Tensor<Double>(randomNormal: [64, 64], seed: 3)

    /// Runs `body` in a fresh directory holding "model.npy" with the old contents.
    func withOldFile(_ body: (URL, URL) throws -> Void) throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("model.npy")
        try old.write(to: file)
        try body(dir, file)
    }

    @Test("a write that fails half-way through leaves the old file intact and no temporary behind")
    func failedWrite() throws {
        try withOldFile { (dir, file) throws in
            for step in [AtomicWrite.Step.write, .rename] {
                #expect(throws: TensorFileError.self) { try AtomicWrite.write(new.npyData(), to: file, failing: step) }
                #expect(try Data(contentsOf: file) == old, "\(step)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.npy"], "\(step)")
            }
            do {
                try AtomicWrite.write(new.npyData(), to: file, failing: .write)
            } catch let error as TensorFileError {
                #expect(error.problem == .unwritable(reason: "writing: \(String(cString: strerror(EIO)))"))
                #expect(error.description.hasSuffix("the destination is unchanged"))
            }
        }
    }

    @Test("writing through a symbolic link replaces the file it points to and keeps the link")
    func throughSymlink() throws {
        try withOldFile { (dir, file) throws in
            let link = dir.appendingPathComponent("latest.npy")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
            try AtomicWrite.write(new.npyData(), to: link)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == file.path)
            #expect(try Data(contentsOf: file) == new.npyData())
            #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir.path)) == ["model.npy", "latest.npy"])
        }
    }

    @Test("writing over a directory throws and leaves the directory and its contents alone")
    func destinationIsDirectory() throws {
        try withOldFile { (dir, file) throws in
            #expect(throws: TensorFileError.self) { try new.writeNPY(to: dir) }
            #expect(throws: TensorFileError.self) { try SafetensorsFile(tensors: ["x": new]).write(to: dir) }
            #expect(try Data(contentsOf: file) == old)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.npy"])
        }
    }

    @Test("a missing parent directory throws, naming the file")
    func missingDirectory() throws {
        let url = URL(fileURLWithPath: "/nonexistent-backprop-dir/x.npy")
        do {
            try new.writeNPY(to: url)
            Issue.record("wrote into a missing directory")
        } catch {
            guard case .unwritable = error.problem else { throw error }
            #expect(error.description.hasPrefix("/nonexistent-backprop-dir/x.npy: cannot write the file"))
        }
    }

    @Test("a read-only directory: the write throws and the old file is intact",
          .enabled(if: getuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectory() throws {
        try withOldFile { (dir, file) throws in
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path) }
            #expect(throws: TensorFileError.self) { try new.writeNPY(to: file) }
            #expect(try Data(contentsOf: file) == old)
        }
    }

    @Test("a successful overwrite replaces the contents, keeps the permission bits, and leaves no temporary")
    func overwrite() throws {
        try withOldFile { (dir, file) throws in
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
            try new.writeNPY(to: file)
            #expect(try Tensor<Double>(contentsOfNPY: file) == new)
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o640)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.npy"])
            // A name near the 255-byte limit still has room for its temporary.
            let long = dir.appendingPathComponent(String(repeating: "n", count: 250) + ".npy")
            try new.writeNPY(to: long)
            #expect(try Tensor<Double>(contentsOfNPY: long) == new)
        }
    }

    /// The pid of a process that has exited and been reaped: kill(pid, 0) fails with ESRCH.
    func deadPID() throws -> pid_t {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["true"]
        try child.run()
        child.waitUntilExit()
        let pid = child.processIdentifier
        #expect(kill(pid, 0) != 0 && errno == ESRCH, "pid \(pid) is still in use")
        return pid
    }

    @Test("the next save removes our temporaries whose writer is gone, keeps a live writer's and every other name")
    func staleTemporaries() throws {
        try withOldFile { (dir, file) throws in
            let prefix = AtomicWrite.temporaryPrefix(for: "model.npy")
            let dead = try deadPID()
            let otherHost = AtomicWrite.hostTag == "zzzz" ? "yyyy" : "zzzz"
            let stale = [prefix + "\(dead)-1x2y3z", prefix + "\(dead)-\(String(UInt64.max, radix: 36))"]
            let kept = [
                prefix + "\(getpid())-abc",  // this process: alive
                prefix + "\(getppid())-abc",  // the process that started the tests: alive
                ".model.npy.tmp-1x2y3z",  // the naming before pids, and anyone else's
                ".model.npy.tmp-\(otherHost)-\(dead)-abc",  // another host's writer: its pid means nothing here
                AtomicWrite.temporaryPrefix(for: "other.npy") + "\(dead)-abc",  // another destination
                prefix + "0\(dead)-abc", prefix + "\(dead)-abc.bak", prefix + "\(dead)-ABC", prefix + "\(dead)",
                prefix + "\(dead)-abc-1", prefix + "-\(dead)-abc", "notes.txt",
            ]
            for name in stale + kept { try Data("partial".utf8).write(to: dir.appendingPathComponent(name)) }
            try AtomicWrite.write(new.npyData(), to: file)
            #expect(try Data(contentsOf: file) == new.npyData())
            #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir.path)) == Set(kept + ["model.npy"]))
        }
    }

    @Test("a writer killed before its rename leaves a temporary that names its pid; once it is gone, the next save removes it")
    func abandonedTemporary() throws {
        try withOldFile { (dir, file) throws in
            #expect(throws: TensorFileError.self) { try AtomicWrite.write(new.npyData(), to: file, failing: .abandon) }
            #expect(try Data(contentsOf: file) == old)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "model.npy" }
            let ours = AtomicWrite.temporaryPrefix(for: "model.npy") + "\(getpid())-"
            try #require(left.count == 1 && left[0].hasPrefix(ours), "\(left)")
            #expect(try Data(contentsOf: dir.appendingPathComponent(left[0])) == new.npyData())
            // Its writer (this process) is alive: the next save keeps it.
            try AtomicWrite.write(new.npyData(), to: file)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains(left[0]))
            // The same file as a dead process would have left it: removed by the next save.
            let dead = try deadPID()
            let orphan = AtomicWrite.temporaryPrefix(for: "model.npy") + "\(dead)-" + left[0].dropFirst(ours.count)
            try FileManager.default.moveItem(at: dir.appendingPathComponent(left[0]), to: dir.appendingPathComponent(orphan))
            try AtomicWrite.write(new.npyData(), to: file)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.npy"])
        }
    }

    @Test("temporary names stay short: a 255-byte destination name of 4-byte scalars still fits")
    func temporaryNameLength() {
        let name = String(repeating: "😀", count: 63) + "abc"  // 255 UTF-8 bytes
        let longest = AtomicWrite.temporaryPrefix(for: name) + "\(Int32.max)-" + String(UInt64.max, radix: 36)
        #expect(longest.utf8.count <= 255, "\(longest.utf8.count) bytes")
        #expect(AtomicWrite.hostTag.utf8.count == 4)
    }
}
