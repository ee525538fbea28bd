// ModelRepository: the on-disk layout REPO/NAME/VERSION/model.grove and atomic publishing into it.
//
// Publishing is crash-safe: the file is written and fsynced inside a
// temporary directory REPO/NAME/.incoming-*, which is then renamed to
// REPO/NAME/VERSION in one step (rename(2) of a directory is atomic and
// fails if VERSION already exists, so two trainers never share a number).
// A trainer killed at any moment leaves at most an .incoming-* directory,
// which the server ignores: never a partial version.

import Foundation
import Glibc
import GroveForest
import GroveSystem
import GroveWire

public enum ModelRepository {
    /// The file name of a version's model inside REPO/NAME/VERSION/.
    public static let modelFileName = "model.grove"

    public enum PublishError: Error, CustomStringConvertible {
        case invalidName(String)
        case io(String)

        public var description: String {
            switch self {
            case let .invalidName(n): return "invalid model name '\(n)': use letters, digits, '.', '_' and '-' (at most 128 bytes)"
            case let .io(m): return m
            }
        }
    }

    public static func isValidName(_ name: String) -> Bool { ModelName.isValid(name) }

    /// Existing version numbers of a model, ascending.
    public static func versions(repository: URL, name: String) -> [UInt64] {
        let dir = repository.appendingPathComponent(name, isDirectory: true)
        let children = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return children.compactMap(ModelName.version).sorted()
    }

    /// The model file of a version (nil version: the latest).
    public static func modelFile(repository: URL, name: String, version: UInt64?) -> URL? {
        guard ModelName.isValid(name), let v = version ?? versions(repository: repository, name: name).last else { return nil }
        return repository.appendingPathComponent(name).appendingPathComponent(String(v)).appendingPathComponent(modelFileName)
    }

    /// Writes `model` as the next version of its name and returns (version, file).
    /// `model.version` is set to the number chosen; a `signature` (of the model's content,
    /// which name and version do not change) is sealed into the file with it.
    /// `chunkPauseMicros` (tests only: the kill -9 test, through `grove train`'s hidden option)
    /// writes the file in 64 KiB chunks with that pause between them, so a kill lands mid-write.
    public static func publish(_ model: TrainedModel, signature: ModelSignature? = nil, repository: URL,
                               chunkPauseMicros: UInt32 = 0) throws -> (version: UInt64, file: URL) {
        let published = try publishFile(model, signature: signature, repository: repository,
                                        chunkPauseMicros: chunkPauseMicros)
        return (published.version, published.file)
    }

    /// `publish`, also returning the SHA-256 of the file's bytes, and taking the trees' `Tree`
    /// messages packed ahead (`packedTrees`; a tree not there is packed here: same file).
    ///
    /// The digest is that of the bytes written: it is computed from the very bytes handed to
    /// pwrite(2) (the immutable body array and the header, each written whole: `writeAll` loops
    /// until the kernel took every byte), on another thread while the file is written and
    /// synced, instead of reading the file back.
    /// The model is encoded without its seal's digest; that thread computes the seal's header
    /// first, while this one writes the body after the header's place, then writes the header.
    public static func publishFile(_ model: TrainedModel, signature: ModelSignature? = nil, repository: URL,
                                   chunkPauseMicros: UInt32 = 0, packedTrees: PackedTrees? = nil) throws -> PublishedModel {
        guard ModelName.isValid(model.name) else { throw PublishError.invalidName(model.name) }
        let fm = FileManager.default
        let dir = repository.appendingPathComponent(model.name, isDirectory: true)
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw PublishError.io("cannot create \(dir.path): \(error.localizedDescription)")
        }
        for _ in 0..<100 {
            let version = (versions(repository: repository, name: model.name).last ?? 0) + 1
            var m = model
            m.version = version
            let bytes = ModelFileCodec.encode(m, signature: signature, packedTrees: packedTrees, sealed: false)
            let digest = FileDigest(sealing: bytes)
            let incoming = dir.appendingPathComponent(".incoming-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
            try fm.createDirectory(at: incoming, withIntermediateDirectories: false)
            let file = incoming.appendingPathComponent(modelFileName)
            do throws(SystemCallError) {
                try writeSynced(bytes, header: digest.header, to: file.path, chunkPauseMicros: chunkPauseMicros)
                try Syscall.syncDirectory(incoming.path)
            } catch {
                try? fm.removeItem(at: incoming)
                throw PublishError.io("cannot write \(file.path): \(error)")
            }
            let final = dir.appendingPathComponent(String(version), isDirectory: true)
            do throws(SystemCallError) {
                try Syscall.rename(incoming.path, final.path)
                try? Syscall.syncDirectory(dir.path)
                return PublishedModel(version: version, file: final.appendingPathComponent(modelFileName),
                                      sha256: digest.wait())
            } catch {
                try? fm.removeItem(at: incoming)
                if error.errno.rawValue != EEXIST && error.errno.rawValue != ENOTEMPTY {
                    throw PublishError.io("cannot publish version \(version): \(error.errno)")
                }
            }
            // Someone else took this number: try the next one.
        }
        throw PublishError.io("could not find a free version number for \(model.name)")
    }

    /// Creates `path` (it must not exist), writes `bytes` after the seal's header, then the
    /// `header()` (its first `ModelSeal.headerBytes` bytes) in front of them, and fsyncs it.
    private static func writeSynced(_ bytes: [UInt8], header: () -> [UInt8], to path: String,
                                    chunkPauseMicros: UInt32) throws(SystemCallError) {
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        defer { Syscall.close(fd) }
        let chunk = chunkPauseMicros > 0 ? 64 * 1024 : max(bytes.count, 1)
        var offset = ModelSeal.headerBytes
        while offset < bytes.count {
            if chunkPauseMicros > 0 && offset > ModelSeal.headerBytes { usleep(chunkPauseMicros) }
            let end = min(bytes.count, offset + chunk)
            try Syscall.writeAll(fd, bytes, offset..<end, at: offset)
            offset = end
        }
        let head = header()
        precondition(head.count == ModelSeal.headerBytes, "ModelRepository: a seal header of \(head.count) bytes")
        try Syscall.writeAll(fd, head, at: 0)
        try Syscall.fsync(fd)
    }
}

