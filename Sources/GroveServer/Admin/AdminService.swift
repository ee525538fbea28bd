// AdminService: labels, load/unload and chunked uploads, as changes to the model repository.
//
// Every admin operation changes files (REPO/NAME/serving, or a new version
// directory) and asks the registry to rescan: the repository stays the single
// source of truth, and a restarted server comes back in the same state.
// Names are validated before use; nothing a client sends becomes a path
// unless it passed ModelName.isValid. Runs on the loop that received the
// call (operations are small; an upload's final check reads one model file).

import Crypto
import Foundation
import Glibc
import GroveForest
import GroveModelStore
import GroveSystem
import GroveWire
import Synchronization

final class AdminService: Sendable {
    private unowned let server: Server
    /// The uploads in progress, by upload id. Its lock also makes each serving-policy change
    /// (read, change, write) one step: admin calls from several loops never interleave them.
    private let sessions = Mutex<[String: Upload]>([:])

    /// An upload in progress: chunks appended to a file under REPO/.uploads/.
    private final class Upload {
        let model: String
        let totalSize: UInt64
        let path: String
        var received: UInt64 = 0
        var hasher = SHA256()
        var lastActivity = Date()

        init(model: String, totalSize: UInt64, path: String) {
            self.model = model
            self.totalSize = totalSize
            self.path = path
        }
    }

    /// Uploads idle this long are discarded.
    static let uploadIdleSeconds: TimeInterval = 600
    static let maxUploads = 16

    init(server: Server) {
        self.server = server
    }

    private var repository: URL { server.configuration.repository }

    func handle(_ op: AdminRequest) -> Result<AdminResponse, Status> {
        let model: String
        switch op {
        case let .setLabel(m, _, _), let .unloadVersion(m, _), let .loadVersion(m, _): model = m
        case let .upload(c): model = c.model
        }
        guard ModelName.isValid(model) else {
            return .failure(Status(.invalidArgument, "invalid model name: letters, digits, '.', '_', '-' (at most 128 bytes)"))
        }
        switch op {
        case let .setLabel(model, label, version):
            guard ModelName.isValid(label) else { return .failure(Status(.invalidArgument, "invalid label name")) }
            if version > 0 {
                switch server.registry.snapshot.resolve(ModelSelector(name: model, version: version)) {
                case let .failure(status):
                    return .failure(Status(.failedPrecondition, "cannot label version \(version): \(status.message)"))
                case .success:
                    break
                }
            }
            return updatePolicy(model) { policy in
                policy.labels[label] = version > 0 ? version : nil
                return AdminResponse(message: version > 0 ? "label \(label) of \(model) -> version \(version)" : "label \(label) of \(model) removed", version: version)
            }
        case let .unloadVersion(model, version):
            guard ModelRepository.versions(repository: repository, name: model).contains(version) else {
                return .failure(Status(.notFound, "model '\(model)' has no version \(version)"))
            }
            return updatePolicy(model) { policy in
                policy.unloaded.insert(version)
                policy.labels = policy.labels.filter { $0.value != version }
                return AdminResponse(message: "\(model)@\(version) unloaded (labels on it removed)", version: version)
            }
        case let .loadVersion(model, version):
            guard ModelRepository.versions(repository: repository, name: model).contains(version) else {
                return .failure(Status(.notFound, "model '\(model)' has no version \(version)"))
            }
            return updatePolicy(model) { policy in
                policy.unloaded.remove(version)
                if case var .versions(vs) = policy.selection { vs.insert(version); policy.selection = .versions(vs) }
                return AdminResponse(message: "\(model)@\(version) will be served", version: version)
            }
        case let .upload(chunk):
            return upload(chunk)
        }
    }

    /// Reads REPO/NAME/serving, applies `change`, writes it back atomically, asks for a rescan.
    private func updatePolicy(_ model: String, _ change: (inout ServingPolicy) -> AdminResponse) -> Result<AdminResponse, Status> {
        guard ModelName.isValid(model) else { return .failure(Status(.invalidArgument, "invalid model name")) }
        let dir = repository.appendingPathComponent(model, isDirectory: true)
        guard FileManager.default.fileExists(atPath: dir.path) else { return .failure(Status(.notFound, "model '\(model)' not found")) }
        return sessions.withLock { _ in
            var policy = server.registry.readPolicy(dir: dir, name: model)
            let response = change(&policy)
            let file = dir.appendingPathComponent(ModelRegistry.policyFileName)
            do {
                try Data(policy.text.utf8).write(to: file, options: .atomic)
            } catch {
                return .failure(Status(.internal, "cannot write the serving policy"))
            }
            server.registry.rescanSoon()
            return .success(response)
        }
    }

    private func upload(_ c: UploadChunk) -> Result<AdminResponse, Status> {
        guard ModelName.isValid(c.model) else { return .failure(Status(.invalidArgument, "invalid model name")) }
        guard KeyFile.isValidID(c.uploadID) else { return .failure(Status(.invalidArgument, "invalid upload_id: letters, digits, '.', '_', '-' (at most 64)")) }
        guard c.totalSize > 0, c.totalSize <= UInt64(ModelFileCodec.maxFileBytes) else {
            return .failure(Status(.invalidArgument, "total_size must be within 1...\(ModelFileCodec.maxFileBytes)"))
        }
        return sessions.withLock { uploads in
            let now = Date()
            for (id, u) in uploads where now.timeIntervalSince(u.lastActivity) > Self.uploadIdleSeconds {
                removeUploadFile(u.path)
                uploads[id] = nil
            }
            let session: Upload
            if let existing = uploads[c.uploadID] {
                guard existing.model == c.model, existing.totalSize == c.totalSize else {
                    return .failure(Status(.invalidArgument, "upload \(c.uploadID) was started for another model or size"))
                }
                session = existing
            } else {
                guard c.offset == 0 else { return .failure(Status(.failedPrecondition, "no upload \(c.uploadID) in progress; start at offset 0")) }
                guard uploads.count < Self.maxUploads else { return .failure(Status(.resourceExhausted, "too many uploads in progress")) }
                let dir = repository.appendingPathComponent(".uploads", isDirectory: true)
                try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let path = dir.appendingPathComponent(c.uploadID).path
                removeUploadFile(path)
                session = Upload(model: c.model, totalSize: c.totalSize, path: path)
                uploads[c.uploadID] = session
            }
            guard c.offset == session.received else {
                return .failure(Status(.failedPrecondition, "expected offset \(session.received), got \(c.offset)"))
            }
            guard session.received + UInt64(c.data.count) <= session.totalSize else {
                return .failure(Status(.invalidArgument, "chunk goes past total_size \(session.totalSize)"))
            }
            if !c.data.isEmpty {
                do {
                    let fd = try Syscall.open(session.path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
                    defer { Syscall.close(fd) }
                    try Syscall.writeAll(fd, c.data)
                } catch {
                    return .failure(Status(.internal, "cannot store the upload"))
                }
                session.hasher.update(data: c.data)
                session.received += UInt64(c.data.count)
            }
            session.lastActivity = now
            guard c.last else {
                return .success(AdminResponse(message: "received \(session.received) of \(session.totalSize) bytes", received: session.received))
            }
            defer {
                removeUploadFile(session.path)
                uploads[c.uploadID] = nil
            }
            guard session.received == session.totalSize else {
                return .failure(Status(.failedPrecondition, "last chunk at \(session.received) of \(session.totalSize) bytes"))
            }
            let digest = session.hasher.finalize().map { String(format: "%02x", $0) }.joined()
            guard digest == c.sha256.lowercased() else {
                return .failure(Status(.dataLoss, "SHA-256 mismatch: the upload was corrupted (got \(digest))"))
            }
            guard let data = FileManager.default.contents(atPath: session.path) else { return .failure(Status(.internal, "cannot read the upload")) }
            var model: TrainedModel
            let signature: ModelSignature?
            do {
                (model, signature) = try ModelFileCodec.decodeSealed([UInt8](data))
            } catch {
                return .failure(Status(.invalidArgument, "the uploaded file is not a valid model: \(error)"))
            }
            if let signature, !signature.verifies(model) {
                return .failure(Status(.invalidArgument, "the uploaded file's signature does not verify: the model was changed after signing"))
            }
            model.name = c.model
            do {
                // The signature covers the content, not the name or version: it stays valid here.
                let (version, _) = try ModelRepository.publish(model, signature: signature, repository: repository)
                server.registry.rescanSoon()
                return .success(AdminResponse(message: "published \(c.model)@\(version)", version: version, received: session.received))
            } catch {
                return .failure(Status(.internal, "cannot publish the upload"))
            }
        }
    }

    /// Deletes an upload's temporary file; one already gone is fine, and any other failure
    /// only leaves a file under REPO/.uploads, which the server never reads as a model.
    private func removeUploadFile(_ path: String) {
        try? Syscall.unlinkIfPresent(path)
    }
}
