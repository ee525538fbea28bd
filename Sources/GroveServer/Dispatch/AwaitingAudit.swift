// AwaitingAudit: an answer whose audit record is queued, held until the record is durable.

import GroveWire

/// An audited answer waiting for its record to be durable (written, synced, anchored) before it
/// may be sent. The loop parks it on its connection, which reads and answers nothing more until
/// then (answers stay in order); meanwhile the loop serves its other connections, so their
/// records share the same group commit instead of each waiting for its own.
///
/// A class: the loop asks whether a connection holds one several times per request, and an
/// optional reference answers that with one comparison where an optional struct holding a
/// `Response` was copied out first.
final class AwaitingAudit {
    /// The record's sequence number in the audit log.
    let seq: UInt64
    let response: Response
    let call: CallKind

    init(seq: UInt64, response: Response, call: CallKind) {
        self.seq = seq
        self.response = response
        self.call = call
    }
}
