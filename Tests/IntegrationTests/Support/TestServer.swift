// TestServer: an in-process Grove server on 127.0.0.1, port 0, with a temporary repository.

import Foundation
import Glibc
@testable import GroveServer
import Logging

final class TestServer {
    let server: Server
    let repository: URL
    var port: UInt16 { server.boundAddress!.port }

    init(threads: Int = 2, configure: (inout ServerConfiguration) -> Void = { _ in }, populate: (URL) throws -> Void = { _ in }) throws {
        repository = FileManager.default.temporaryDirectory.appendingPathComponent("grove-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try populate(repository)
        var config = ServerConfiguration(repository: repository)
        config.port = 0
        config.threads = threads
        config.handleSignals = false
        config.pollIntervalSeconds = 0.2
        configure(&config)
        var logger = Logger(label: "grove-test")
        logger.logLevel = .warning
        server = Server(configuration: config, logger: logger)
        try server.start()
    }

    deinit {
        server.stop()
        server.wait()
        try? FileManager.default.removeItem(at: repository)
    }

    /// Raises this process's descriptor limit (for many-connection tests).
    static func raiseDescriptorLimit(to wanted: rlim_t) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
