// AuditLog: an append-only, hash-chained record of every prediction, written off the hot path.
//
// Loops `submit` records into a bounded queue; a writer thread takes
// everything queued, appends it as lines with one write and one fdatasync
// (group commit), then replaces the head file (`AuditHead`) that anchors the
// chain's end, and rotates files by size. A full queue makes `submit` refuse,
// and the server answers UNAVAILABLE instead of serving a prediction it could
// not record. The log fails closed: the first write, sync, head or rotation
// failure makes it unusable until restart (every later `submit` is refused
// with the reason, nothing more is written, the chain does not advance), and
// Health answers NOT_SERVING. Records queued when the failure happened (already
// answered) are counted as lost. `close` (at SIGTERM) drains and fsyncs.

import Foundation
import Glibc
import GroveSystem
import Logging
import Synchronization

public final class AuditLog: @unchecked Sendable {  // queue under `cond`; file state on the writer thread only
    public let directory: URL
    private let maxFileBytes: Int
    private let capacity: Int
    private let logger: Logger
    // NSCondition, not Synchronization's Mutex (used below for `failure`): callers wait on it
    // until their record is durable and the writer thread waits on it for records (group
    // commit), and Mutex has no condition to wait on.
    private let cond = NSCondition()
    private var queue: [AuditRecord] = []
    private var closing = false
    // Under `cond`: the sequence number the next submitted record will get, and the last
    // sequence number made durable (its head written). `waitUntilDurable` waits on them.
    private var submittedSeq: UInt64 = 0
    private var durableSeq: UInt64 = 0
    private var writerDone = DispatchSemaphore(value: 0)

    // Writer-thread state.
    private var fd: FileDescriptor?
    private var fileIndex = 0
    private var fileBytes = 0
    private var seq: UInt64 = 0
    private var prev = AuditChain.genesis

    public enum OpenError: Error, CustomStringConvertible {
        case io(String)
        case brokenChain(String)
        public var description: String {
            switch self {
            case let .io(m): return m
            case let .brokenChain(m): return "the existing audit log does not verify (\(m)); move it aside or repair it before starting"
            }
        }
    }

    /// Opens (or creates) the log in `directory` and continues its chain.
    public init(directory: URL, maxFileBytes: Int = 64 << 20, capacity: Int = 65_536, logger: Logger) throws {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.capacity = capacity
        self.logger = logger
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw OpenError.io("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let v = AuditChain.verify(dir: directory)
        if let b = v.firstBreak { throw OpenError.brokenChain("\(b.file) line \(b.line): \(b.reason)") }
        seq = v.records
        prev = v.lastHash
        submittedSeq = seq
        durableSeq = seq
        if v.recordsAfterHead > 0 {
            logger.warning("audit log: \(v.recordsAfterHead) record(s) after the head (a crash between a commit and its head); re-anchoring")
        }
        let files = AuditChain.files(in: directory)
        fileIndex = files.last.flatMap { Int($0.lastPathComponent.dropFirst(6).dropLast(4)) } ?? 1
        try openFile()
        do { try AuditHead(seq: seq, hash: prev).write(dir: directory) } catch {
            throw OpenError.io("cannot write \(AuditHead.fileName): \(error)")
        }
        let thread = Thread { [self] in writerLoop() }
        thread.name = "grove-audit"
        thread.start()
        logger.info("audit log: \(directory.path), continuing at record \(seq + 1)")
    }

    /// Write, sync, head or rotation failures since start (grove_audit_failures_total): 0 or 1,
    /// since the first one stops the log.
    public var failures: UInt64 { failureCount.load(ordering: .relaxed) }
    /// Why the log stopped (nil while it works). Set once, never cleared: until a restart,
    /// predictions are refused and Health answers NOT_SERVING with this reason.
    public var failureReason: String? { failure.withLock { $0 } }
    public var hasFailed: Bool { failureReason != nil }
    /// Records accepted by `submit` but never made durable (queued when the log failed).
    public var lostRecords: UInt64 { lostCount.load(ordering: .relaxed) }
    private let failureCount = Atomic<UInt64>(0)
    private let lostCount = Atomic<UInt64>(0)
    private let failure = Mutex<String?>(nil)

    /// Records queued and not yet written (grove_audit_queue_depth).
    public var queueDepth: Int {
        cond.lock()
        defer { cond.unlock() }
        return queue.count
    }

    /// Stops the log for good (the first reason is kept).
    private func fail(_ reason: String) {
        logger.critical("audit log unavailable: \(reason); predictions are refused until restart")
        let first = failure.withLock { current -> Bool in
            if current != nil { return false }
            current = reason
            return true
        }
        if first { failureCount.add(1, ordering: .relaxed) }
        cond.lock()
        cond.broadcast()   // waiters in waitUntilDurable learn the reason
        cond.unlock()
        onProgress?()
    }

    /// Queues a record and returns its sequence number (for `waitUntilDurable`), or why it
    /// was not queued (the caller must not serve the prediction).
    public func submit(_ record: AuditRecord) -> Result<UInt64, AuditRefusal> {
        if let reason = failureReason { return .failure(.failed(reason)) }
        cond.lock()
        defer { cond.unlock() }
        guard !closing else { return .failure(.failed("the audit log is closing")) }
        guard queue.count < capacity else { return .failure(.behind) }
        queue.append(record)
        submittedSeq += 1
        if queue.count == 1 { cond.broadcast() }
        return .success(submittedSeq)
    }

    /// Blocks until record `seq` is durable (written, synced, and anchored by the head): nil.
    /// When the log fails first, the reason (the record is lost: do not serve its prediction).
    public func waitUntilDurable(_ seq: UInt64) -> AuditRefusal? {
        cond.lock()
        defer { cond.unlock() }
        while durableSeq < seq {
            if let reason = failureReason { return .failed(reason) }
            cond.wait()
        }
        return nil
    }

    /// Where record `seq` stands, without waiting (the event loops' form of `waitUntilDurable`).
    public enum Durability: Equatable, Sendable {
        /// Not yet durable: ask again after the next `onProgress`.
        case pending
        /// Written, synced and anchored by the head.
        case durable
        /// The log failed first: the record is lost; do not serve its prediction.
        case refused(AuditRefusal)
    }

    public func durability(of seq: UInt64) -> Durability {
        cond.lock()
        defer { cond.unlock() }
        if durableSeq >= seq { return .durable }
        if let reason = failureReason { return .refused(.failed(reason)) }
        return .pending
    }

    /// Called on the writer thread after each group commit became durable and when the log
    /// fails: the moments a `durability(of:)` answer may have changed. Set before the first
    /// `submit`, never after (it is read without a lock).
    public nonisolated(unsafe) var onProgress: (@Sendable () -> Void)?

    /// Writes everything queued, fsyncs and stops the writer.
    public func close() {
        cond.lock()
        if closing { cond.unlock(); return }
        closing = true
        cond.broadcast()
        cond.unlock()
        writerDone.wait()
        closeFile()
        logger.info("audit log closed at record \(seq)")
    }

    private func writerLoop() {
        while true {
            cond.lock()
            while queue.isEmpty && !closing { cond.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let stop = closing && batch.isEmpty
            cond.unlock()
            if stop { break }
            append(batch)
        }
        writerDone.signal()
    }

    /// A seam for tests: when set (before the first `submit`), called on the writer thread
    /// before each group commit is written, so a test can hold records pending for as long as
    /// it needs. Never set by the server.
    public nonisolated(unsafe) var beforeCommit: (@Sendable () -> Void)?

    private func append(_ batch: [AuditRecord]) {
        beforeCommit?()
        guard !hasFailed else {
            lostCount.add(UInt64(batch.count), ordering: .relaxed)
            return
        }
        var text = ""
        for record in batch {
            seq += 1
            let line = AuditChain.line(seq: seq, record: record, prev: prev)
            prev = AuditChain.hash(of: line)
            text += line
            text += "\n"
            if fileBytes + text.utf8.count >= maxFileBytes {
                guard flush(text), rotate() else {
                    lostCount.add(UInt64(batch.count), ordering: .relaxed)
                    return
                }
                text = ""
            }
        }
        guard flush(text) else {
            lostCount.add(UInt64(batch.count), ordering: .relaxed)
            return
        }
        // The records are durable: anchor the chain's new end, then release their waiters.
        do { try AuditHead(seq: seq, hash: prev).write(dir: directory) } catch {
            fail("cannot replace \(AuditHead.fileName): \(error)")
            return
        }
        cond.lock()
        durableSeq = seq
        cond.broadcast()
        cond.unlock()
        onProgress?()
    }

    /// Writes and syncs `text`; false (and the log failed) when either fails.
    private func flush(_ text: String) -> Bool {
        guard !text.isEmpty else { return true }
        guard let fd else { fail("no audit file is open"); return false }
        let bytes = Array(text.utf8)
        do {
            try Syscall.writeAll(fd, bytes)
        } catch {
            fail("cannot write \(currentFileName): \(error)")
            // A short write may have left part of a line: cut back to the last whole record.
            try? Syscall.truncate(fd, to: fileBytes)
            return false
        }
        fileBytes += bytes.count
        do {
            try Syscall.fdatasync(fd)
        } catch {
            fail("cannot sync \(currentFileName): \(error)")
            return false
        }
        return true
    }

    private var currentFileName: String { String(format: "audit-%06d.log", fileIndex) }

    /// Fsyncs and closes the current file, if one is open.
    private func closeFile() {
        guard let fd else { return }
        do { try Syscall.fsync(fd) } catch { fail("cannot sync \(currentFileName): \(error)") }
        Syscall.close(fd)
        self.fd = nil
    }

    /// Starts the next file; false (and the log failed) when it cannot be opened.
    private func rotate() -> Bool {
        closeFile()
        fileIndex += 1
        do { try openFile() } catch {
            fail("cannot rotate to \(currentFileName): \(error)")
            return false
        }
        return true
    }

    private func openFile() throws {
        let path = directory.appendingPathComponent(String(format: "audit-%06d.log", fileIndex)).path
        do {
            let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
            self.fd = fd
            fileBytes = try Syscall.fileStatus(fd).size
            try Syscall.syncDirectory(directory.path)
        } catch {
            throw OpenError.io("cannot open \(path): \(error)")
        }
    }
}
