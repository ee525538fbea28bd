// Server: binds the listeners, runs one event loop per thread, handles signals and shutdown.

import CGroveSys
import Foundation
import Glibc
import GroveModelStore
import GroveSystem
import GroveWire
import Logging
import Synchronization

/// A Grove server. `start()` binds and runs the loops on their own threads;
/// `wait()` blocks until they have all exited (after `shutdown()` or SIGTERM).
public final class Server: @unchecked Sendable {  // set in start() before loop threads exist; then read-only, atomic or under its locks
    public let configuration: ServerConfiguration
    let logger: Logger
    let counters = ServerCounters()
    /// One per loop, registered as loops start.
    private let loopCountersLock = NSLock()
    private var loopCounters: [LoopCounters] = []
    let frameDecoder: FrameDecoder
    public let registry: ModelRegistry
    /// Present when the server was started with --keys.
    private(set) var keys: KeyStore?
    /// Present when the server was started with --audit-log.
    private(set) var audit: AuditLog?
    /// Present when the server was started with --admin.
    private(set) var adminService: AdminService?
    let startedAt = MonotonicClock.now()
    private let drainingFlag = Atomic<Bool>(false)
    /// Set when the listeners are being closed (after --drain-seconds).
    private let closingFlag = Atomic<Bool>(false)
    private var metricsListener: MetricsListener?
    /// The metrics listener's address (the real port when 0 was asked for).
    public var metricsBoundAddress: SocketAddress? { metricsListener?.address }
    private var loops: [EventLoop] = []
    private var finished: [DispatchSemaphore] = []
    /// The address the listeners are bound to (the real port when 0 was asked for).
    public private(set) var boundAddress: SocketAddress?

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "grove")) {
        self.configuration = configuration
        self.logger = logger
        self.frameDecoder = FrameDecoder(limits: configuration.connection.frame)
        self.registry = ModelRegistry(repository: configuration.repository, logger: logger,
                                      loops: max(1, configuration.threads))
    }

    var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }

    func register(_ c: LoopCounters) {
        loopCountersLock.lock()
        loopCounters.append(c)
        loopCountersLock.unlock()
    }

    /// Every loop's counters (read by Stats and metrics; each loop writes only its own).
    var allLoopCounters: [LoopCounters] {
        loopCountersLock.lock()
        defer { loopCountersLock.unlock() }
        return loopCounters
    }

    /// Requests and errors summed over the loops.
    var requestTotals: (requests: UInt64, errors: UInt64) {
        allLoopCounters.reduce((0, 0)) { ($0.0 &+ $1.requestsTotal, $0.1 &+ $1.errorsTotal) }
    }

    /// What Health answers: NOT_SERVING while draining, while the audit log has failed, or
    /// when no model version is AVAILABLE (with the reason); SERVING otherwise.
    var servingState: (status: HealthResponse.ServingStatus, reason: String) {
        if isDraining { return (.notServing, "draining: the server is shutting down") }
        if let reason = audit?.failureReason { return (.notServing, "audit log unavailable: \(reason)") }
        if registry.snapshot.availableCount == 0 { return (.notServing, "no model version is AVAILABLE") }
        return (.serving, "")
    }
    var uptimeSeconds: Double { Double(MonotonicClock.now() - startedAt) / 1e9 }

    /// Errors that stop the server from starting.
    public enum StartError: Error, CustomStringConvertible {
        case badAddress(String)
        case system(SystemCallError)
        case insecureBind(String)
        case keys(String)
        case audit(String)
        case trustedSigners(String)
        case adminWithoutKeys
        case metrics(String)

        public var description: String {
            switch self {
            case let .insecureBind(a):
                return "refusing to serve on \(a) without API keys: give --keys FILE (see `grove keys`), or --insecure to accept the risk"
            case let .keys(m): return "cannot read the API key file: \(m)"
            case let .audit(m): return "cannot open the audit log: \(m)"
            case let .trustedSigners(m): return "cannot read the trusted signers file: \(m)"
            case .adminWithoutKeys: return "--admin needs --keys FILE with an admin key (or --insecure to accept the risk)"
            case let .badAddress(h): return "cannot bind '\(h)': give a numeric IPv4 or IPv6 address (or localhost)"
            case let .system(e): return "\(e)"
            case let .metrics(m): return "cannot serve metrics: \(m)"
            }
        }
    }

    /// Loads the repository, binds, and starts the loops. Returns once serving.
    public func start() throws {
        guard var address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw StartError.badAddress(configuration.host)
        }
        try enableAdminIfAsked()
        if let keysFile = configuration.keysFile {
            do { keys = try KeyStore(url: keysFile, logger: logger) } catch { throw StartError.keys("\(error)") }
        } else if !address.isLoopback {
            guard configuration.insecure else { throw StartError.insecureBind(address.description) }
            logger.warning("serving on \(address) WITHOUT authentication (--insecure): anyone who can reach it can call it")
        } else {
            logger.notice("no --keys: serving without authentication, on loopback only")
        }
        if let dir = configuration.auditDirectory {
            do {
                audit = try AuditLog(directory: dir, maxFileBytes: configuration.auditMaxFileBytes,
                                     capacity: configuration.auditQueueCapacity, logger: logger)
            } catch {
                throw StartError.audit("\(error)")
            }
        }
        let signals: [CInt] = [SIGTERM, SIGINT, SIGHUP]
        Syscall.ignoreSignal(SIGPIPE)
        // A file size limit (RLIMIT_FSIZE) makes a write fail with EFBIG instead of killing the
        // process, so the audit log can fail closed with the reason.
        Syscall.ignoreSignal(SIGXFSZ)
        var signalFD: FileDescriptor?
        if configuration.handleSignals {
            Syscall.blockSignals(signals)  // inherited by every thread started below
            do { signalFD = try Syscall.signalfd(signals) } catch { throw StartError.system(error) }
        }
        // A start that fails from here on closes the signal descriptor (loop 0 reads it, the
        // server owns it; once serving, it lives as long as the process).
        var serving = false
        defer { if !serving, let signalFD { Syscall.close(signalFD) } }
        if let file = configuration.trustedSignersFile {
            do { registry.trustedSigners = try TrustedSigners.load(file) } catch { throw StartError.trustedSigners("\(error)") }
        }
        registry.loadInitial()
        if let metrics = configuration.metricsAddress {
            metricsListener = try MetricsListener.start(address: metrics, server: self)
        }
        let threadCount = max(1, configuration.threads)
        var listeners: [FileDescriptor] = []
        do {
            for _ in 0..<threadCount {
                let fd = try Syscall.socket(domain: address.domain, type: CInt(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue))
                listeners.append(fd)   // before anything can fail, so that a failure closes it
                try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
                // One listener per loop on the same port: the kernel spreads connections.
                try Syscall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEPORT, value: 1)
                try Syscall.bind(fd, address)
                try Syscall.listen(fd, backlog: 1024)
                if address.port == 0 {
                    address = try Syscall.localAddress(fd)
                }
            }
            boundAddress = address
            for i in 0..<threadCount {
                loops.append(try EventLoop(index: i, server: self, listener: listeners[i], signalFD: i == 0 ? signalFD : nil))
            }
        } catch {
            // The loops made so far own their listeners and close them as they are freed; the
            // listeners no loop took are closed here (each descriptor exactly once).
            for fd in listeners[loops.count...] { Syscall.close(fd) }
            loops.removeAll()
            throw StartError.system(error)
        }
        serving = true
        if let audit {
            // Held audited answers go out when their records are durable: the writer tells every loop.
            nonisolated(unsafe) let all = loops
            audit.onProgress = { for loop in all { loop.requestAuditProgress() } }
        }
        for loop in loops {
            let done = DispatchSemaphore(value: 0)
            finished.append(done)
            // Ownership rule: a loop is handed to its own thread here and runs only there
            // (EventLoop asserts it in debug builds); other threads reach it through its
            // task queue (`execute`) or its thread-safe `beginDrain` hand-off.
            nonisolated(unsafe) let owned = loop
            let thread = Thread {
                owned.run()
                done.signal()
            }
            thread.name = "grove-loop-\(loop.index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        registry.startWatching(intervalSeconds: configuration.pollIntervalSeconds) { [weak self] in
            self?.keys?.reloadIfChanged()
        }
        if !address.isLoopback {
            logger.notice("listening on \(address) (not loopback: reachable from other machines)")
        }
        logger.info("grove \(GroveVersion.string) serving on \(address) with \(threadCount) loop(s); repository \(configuration.repository.path)")
    }

    private func enableAdminIfAsked() throws {
        guard configuration.admin else { return }
        if configuration.keysFile == nil && !configuration.insecure { throw StartError.adminWithoutKeys }
        adminService = AdminService(server: self)
        logger.notice("admin calls enabled (admin role required)")
    }

    /// Blocks until every loop has exited.
    public func wait() {
        for done in finished { done.wait() }
        finished.removeAll()
        audit?.close()   // every answered prediction's record is written and fsynced
        registry.stopWatching()
        metricsListener?.stop()
        loops.removeAll()
    }

    /// Graceful stop. Health answers NOT_SERVING at once while everything is still served; after
    /// `drainSeconds` (a load balancer has moved traffic away by then) the listeners close, what
    /// was received is answered and flushed, and the loops exit. A second call closes at once.
    public func shutdown() {
        if drainingFlag.exchange(true, ordering: .relaxed) {
            closeListeners()
            return
        }
        let seconds = configuration.drainSeconds
        guard seconds > 0 else { return closeListeners() }
        logger.info("draining: Health answers NOT_SERVING; still serving for \(seconds) s, then closing")
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in self?.closeListeners() }
    }

    private func closeListeners() {
        guard !closingFlag.exchange(true, ordering: .relaxed) else { return }
        logger.info("draining: no new connections; answering requests in flight, then exiting")
        for loop in loops { loop.requestDrain() }
    }

    /// Immediate stop (tests): the loops close their connections and exit.
    public func stop() {
        drainingFlag.store(true, ordering: .relaxed)
        for loop in loops { loop.requestStop() }
    }

    func handleSignal(_ signal: CInt) {
        switch signal {
        case SIGTERM, SIGINT:
            logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
            shutdown()
        case SIGHUP:
            logger.info("received SIGHUP: rescanning the model repository and reloading keys")
            keys?.reloadIfChanged(force: true)
            registry.rescanSoon()
        default:
            break
        }
    }
}
