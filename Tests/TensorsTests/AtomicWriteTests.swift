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
}
