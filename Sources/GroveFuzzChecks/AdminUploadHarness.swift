// AdminUploadHarness: a live in-process server with --admin and an admin key, for the admin-upload fuzz target.

import Foundation
import GroveClient
import GroveModelStore
import GroveServer
import GroveWire
import Logging

/// One server per process (started on first use, on 127.0.0.1 with a free port and a temporary
/// repository), and an admin client to it. The fuzz target sends upload chunks through it.
final class AdminUploadHarness: @unchecked Sendable {
    static let shared: AdminUploadHarness = {
        do { return try AdminUploadHarness() } catch { fatalError("fuzz harness: cannot start a server: \(error)") }
    }()

    let server: Server
    let client: GroveClient

    private init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("grove-fuzz-admin-\(getpid())")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("repo"), withIntermediateDirectories: true)
        var keys = KeyFile()
        keys.add(id: "fuzz", role: .admin, key: "fuzz-admin-key")
        let keyURL = root.appendingPathComponent("keys")
        try keys.text.write(to: keyURL, atomically: true, encoding: .utf8)
        var config = ServerConfiguration(repository: root.appendingPathComponent("repo"))
        config.port = 0
        config.threads = 1
        config.handleSignals = false
        config.admin = true
        config.keysFile = keyURL
        config.pollIntervalSeconds = 0
        var logger = Logger(label: "grove-fuzz")
        logger.logLevel = .critical
        server = Server(configuration: config, logger: logger)
        try server.start()
        var c = GroveClient.Configuration(endpoints: [Endpoint(host: "127.0.0.1", port: server.boundAddress!.port)])
        c.apiKey = "fuzz-admin-key"
        client = try GroveClient(configuration: c)
    }
}
