// AdminRequest / AdminResponse: repository operations (only with --admin and an admin key).

/// One admin operation.
public enum AdminRequest: Equatable, Sendable {
    /// Points `label` at `version`; version 0 removes the label.
    case setLabel(model: String, label: String, version: UInt64)
    /// Serves a version that was unloaded.
    case loadVersion(model: String, version: UInt64)
    /// Stops serving a version (the file stays).
    case unloadVersion(model: String, version: UInt64)
    /// One chunk of a model file upload.
    case upload(UploadChunk)

    public var name: String {
        switch self {
        case .setLabel: return "set_label"
        case .loadVersion: return "load_version"
        case .unloadVersion: return "unload_version"
        case .upload: return "upload"
        }
    }
}

public struct UploadChunk: Equatable, Sendable {
    public var model: String
    public var uploadID: String
    public var offset: UInt64
    public var data: [UInt8]
    public var totalSize: UInt64
    public var last: Bool
    /// Lower-case hex SHA-256 of the whole file (with the last chunk).
    public var sha256: String

    public init(model: String, uploadID: String, offset: UInt64, data: [UInt8], totalSize: UInt64,
                last: Bool = false, sha256: String = "") {
        self.model = model
        self.uploadID = uploadID
        self.offset = offset
        self.data = data
        self.totalSize = totalSize
        self.last = last
        self.sha256 = sha256
    }
}

public struct AdminResponse: Equatable, Sendable {
    public var message: String
    public var version: UInt64
    public var received: UInt64

    public init(message: String, version: UInt64 = 0, received: UInt64 = 0) {
        self.message = message
        self.version = version
        self.received = received
    }
}
