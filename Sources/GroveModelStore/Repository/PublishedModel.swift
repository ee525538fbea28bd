// PublishedModel: what publishing a model made: its version number, its file and the file's digest.

import Foundation

/// A version `ModelRepository.publishFile` wrote.
public struct PublishedModel: Sendable {
    public let version: UInt64
    /// REPO/NAME/VERSION/model.grove.
    public let file: URL
    /// Lower-case hex SHA-256 of the file's bytes as written.
    public let sha256: String
}
