// AuditLog: an append-only, hash-chained record of every prediction, written off the hot path.
//
// Loops `submit` records into a bounded queue; a writer thread takes
// everything queued, appends it as lines with one write and one fdatasync
// (group commit), and rotates files by size. A full queue makes `submit`
// return false, and the server answers UNAVAILABLE instead of serving a
// prediction it could not record. `close` (at SIGTERM) drains and fsyncs.

import Foundation
import Glibc
import GroveSystem
import Logging
import Synchronization

public final class AuditLog: @unchecked Sendable {
    public let directory: URL
    private let maxFileBytes: Int
    private let capacity: Int
    private let logger: Logger
    private let cond = NSCondition()
    private var queue: [AuditRecord] = []
    private var closing = false
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
        let files = AuditChain.files(in: directory)
        fileIndex = files.last.flatMap { Int($0.lastPathComponent.dropFirst(6).dropLast(4)) } ?? 1
        try openFile()
        let thread = Thread { [self] in writerLoop() }
        thread.name = "grove-audit"
        thread.start()
        logger.info("audit log: \(directory.path), continuing at record \(seq + 1)")
    }

    /// Write or rotation failures since start (grove_audit_failures_total).
    public var failures: UInt64 { failureCount.load(ordering: .relaxed) }
    /// True while the last write or rotation failed: records are not being made durable
    /// (Health answers NOT_SERVING). Cleared by the next successful write.
    public var hasFailed: Bool { failedFlag.load(ordering: .relaxed) }
    private let failureCount = Atomic<UInt64>(0)
    private let failedFlag = Atomic<Bool>(false)

    /// Records queued and not yet written (grove_audit_queue_depth).
    public var queueDepth: Int {
        cond.lock()
        defer { cond.unlock() }
        return queue.count
    }

    private func recordFailure() {
        failureCount.add(1, ordering: .relaxed)
        failedFlag.store(true, ordering: .relaxed)
    }

    /// Queues a record; false when the queue is full (the caller must not serve the prediction).
    public func submit(_ record: AuditRecord) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        guard !closing, queue.count < capacity else { return false }
        queue.append(record)
        if queue.count == 1 { cond.signal() }
        return true
    }

    /// Writes everything queued, fsyncs and stops the writer.
    public func close() {
        cond.lock()
        if closing { cond.unlock(); return }
        closing = true
        cond.signal()
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

    private func append(_ batch: [AuditRecord]) {
        var text = ""
        for record in batch {
            seq += 1
            let line = AuditChain.line(seq: seq, record: record, prev: prev)
            prev = AuditChain.hash(of: line)
            text += line
            text += "\n"
            if fileBytes + text.utf8.count >= maxFileBytes {
                flush(text)
                text = ""
                rotate()
            }
        }
        flush(text)
    }

    private func flush(_ text: String) {
        guard !text.isEmpty else { return }
        guard let fd else { return recordFailure() }   // rotation failed: these records are lost
        let bytes = Array(text.utf8)
        do {
            try Syscall.writeAll(fd, bytes)
        } catch {
            logger.critical("audit log write failed: \(error)")
            recordFailure()
            return
        }
        fileBytes += bytes.count
        do {
            try Syscall.fdatasync(fd)
            failedFlag.store(false, ordering: .relaxed)
        } catch {
            logger.critical("audit log fdatasync failed: \(error)")
            recordFailure()
        }
    }

    /// Fsyncs and closes the current file, if one is open.
    private func closeFile() {
        guard let fd else { return }
        do { try Syscall.fsync(fd) } catch { logger.critical("audit log fsync failed: \(error)") }
        Syscall.close(fd)
        self.fd = nil
    }

    private func rotate() {
        closeFile()
        fileIndex += 1
        do { try openFile() } catch {
            logger.critical("audit log rotation failed: \(error)")
            recordFailure()
        }
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
