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
    /// `model.version` is set to the number chosen.
    public static func publish(_ model: TrainedModel, repository: URL) throws -> (version: UInt64, file: URL) {
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
            let bytes = ModelFileCodec.encode(m)
            let incoming = dir.appendingPathComponent(".incoming-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
            try fm.createDirectory(at: incoming, withIntermediateDirectories: false)
            let file = incoming.appendingPathComponent(modelFileName)
            do {
                try writeSynced(bytes, to: file.path)
                try syncDirectory(incoming.path)
            } catch {
                try? fm.removeItem(at: incoming)
                throw error
            }
            let final = dir.appendingPathComponent(String(version), isDirectory: true)
            if rename(incoming.path, final.path) == 0 {
                try? syncDirectory(dir.path)
                return (version, final.appendingPathComponent(modelFileName))
            }
            let e = errno
            try? fm.removeItem(at: incoming)
            if e != EEXIST && e != ENOTEMPTY {
                throw PublishError.io("cannot publish version \(version): \(String(cString: strerror(e)))")
            }
            // Someone else took this number: try the next one.
        }
        throw PublishError.io("could not find a free version number for \(model.name)")
    }

    private static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PublishError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Fault-injection hook for the kill -9 test: pause between 64 KiB chunks.
        let pauseMicros = UInt32(ProcessInfo.processInfo.environment["GROVE_TEST_PUBLISH_PAUSE_US"].flatMap { UInt32($0) } ?? 0)
        var off = 0
        while off < bytes.count {
            if pauseMicros > 0 && off > 0 { usleep(pauseMicros) }
            let chunk = min(bytes.count - off, pauseMicros > 0 ? 64 * 1024 : bytes.count)
            let n = bytes[off..<(off + chunk)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PublishError.io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        guard fsync(fd) == 0 else { throw PublishError.io("fsync \(path): \(String(cString: strerror(errno)))") }
    }

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PublishError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fsync(fd)
    }
}
