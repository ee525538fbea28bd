// grove serve: runs the prediction server on a model repository.

import ArgumentParser
import Foundation
import GroveServer
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every model in a repository over Grove's binary RPC protocol.",
        discussion: """
        Binds 127.0.0.1 by default. SIGTERM or SIGINT: Health answers NOT_SERVING for \
        --drain-seconds while everything is still served, then stop accepting, answer what is \
        in flight, exit 0 (a second signal skips the wait). SIGHUP: rescan the repository now.
        """)

    @Option(help: "Model repository (REPO/NAME/VERSION/model.grove).")
    var repo: String

    @Option(help: "Address to bind (numeric IPv4/IPv6, or localhost).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one and prints it).")
    var port: UInt16 = 7070

    @Option(help: "Event loops (threads); default: one per core.")
    var threads: Int?

    @Option(help: "Seconds between repository scans (0: only on SIGHUP).")
    var pollInterval: Double = 2

    @Option(help: "Largest accepted frame body in bytes.")
    var maxFrameBytes = 4 * 1024 * 1024

    @Option(help: "Maximum open connections.")
    var maxConnections = 10_000

    @Option(help: "Close connections idle this many seconds (0: never).")
    var idleTimeout: Double = 300

    @Option(help: "Seconds a partly received frame may take to complete.")
    var frameTimeout: Double = 10

    @Option(help: "API key file (see `grove keys`): every call then needs a key with the right role.")
    var keys: String?

    @Option(help: "Trusted signers file (lines 'NAME PUBLIC_KEY_HEX', from `grove keys signing-key`): serve only models signed by one of them.")
    var trustedSigners: String?

    @Flag(help: "Audit log: answer a prediction once its record is queued, not once it is durable (faster; a disk failure loses the batch in flight).")
    var auditAsync = false

    @Option(help: "Audit log directory: one hash-chained record per prediction (`grove audit verify DIR`).")
    var auditLog: String?

    @Flag(help: "Enable admin calls (labels, load/unload versions, uploads); they need an admin key.")
    var admin = false

    @Flag(help: "Refuse (INVALID_ARGUMENT) every prediction row that would need a fill (missing, absent, unseen category), as if each request set strict.")
    var strictInputs = false

    @Flag(help: "Allow binding a non-loopback address (or --admin) without --keys.")
    var insecure = false

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (loopback unless --keys or --insecure).")
    var metrics: String?

    @Option(help: "After SIGTERM, report NOT_SERVING this many seconds before closing (2-5 behind a load balancer).")
    var drainSeconds: Double = 0

    @Flag(help: ArgumentHelp("Benchmark baseline: echo every frame back without decoding it.", visibility: .hidden))
    var echo = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (1...256 * 1024 * 1024).contains(maxFrameBytes) else {
            throw ValidationError("--max-frame-bytes must be between 1 and 268435456")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard idleTimeout >= 0, frameTimeout >= 0, pollInterval >= 0, drainSeconds >= 0 else {
            throw ValidationError("timeouts and intervals must not be negative")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "grove")
        logger.logLevel = level

        var config = ServerConfiguration(repository: URL(fileURLWithPath: repo, isDirectory: true))
        config.host = host
        config.port = port
        if let threads { config.threads = threads }
        config.pollIntervalSeconds = pollInterval
        config.echo = echo
        config.keysFile = keys.map { URL(fileURLWithPath: $0) }
        config.insecure = insecure
        config.admin = admin
        config.strictInputs = strictInputs
        config.auditAsync = auditAsync
        config.trustedSignersFile = trustedSigners.map { URL(fileURLWithPath: $0) }
        config.auditDirectory = auditLog.map { URL(fileURLWithPath: $0, isDirectory: true) }
        config.maxConnections = maxConnections
        config.metricsAddress = metrics
        config.drainSeconds = drainSeconds
        config.connection.frame = .init(maxFrameBytes: maxFrameBytes)
        config.connection.idleTimeoutNanos = UInt64(idleTimeout * 1e9)
        config.connection.frameDeadlineNanos = UInt64(frameTimeout * 1e9)

        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: repo, isDirectory: &isDirectory) || !isDirectory.boolValue {
            logger.warning("repository \(repo) does not exist yet; serving no models until it does")
        }
        let server = Server(configuration: config, logger: logger)
        do {
            try server.start()
        } catch {
            throw ValidationError("cannot start: \(error)")
        }
        if let address = server.boundAddress {
            // A machine-readable line for scripts that started us with --port 0.
            print("listening \(address)")
            if let m = server.metricsBoundAddress { print("metrics \(m)") }
            fflush(stdout)
        }
        server.wait()
        logger.info("stopped")
    }
}
