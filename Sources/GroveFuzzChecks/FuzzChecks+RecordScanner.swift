// FuzzChecks+RecordScanner: the differential check of the hand-written record reader against protobuf-c.

import GroveWire

extension FuzzChecks {
    /// What `RecordScanner` made of bytes read as one record.
    public enum RecordScanOutcome: Equatable, Sendable {
        case accepted
        case malformed
        case declined
    }

    /// RecordScanner and the lazy twin against protobuf-c's unpack of the real messages, on the
    /// same bytes read two ways:
    /// - as one `Record`: a record the scanner reads to its end must decode in protobuf-c to the
    ///   same fields (names, value kinds, number bits, texts, in order); one it finds malformed
    ///   must be refused by protobuf-c; `declined` promises nothing;
    /// - as a `Request` whose top level `RequestShape` accepts: when the lazy twin refuses it, the
    ///   real message must refuse it too; when every record scans to its end, the real message
    ///   must decode with the same records; when one is malformed, the real one must be refused;
    ///   whenever the real message decodes, the view must read from the twin what the real one
    ///   holds (`PredictReading`: id, deadline, API key, model selector, dense values, flags).
    /// Returns the scanner's verdict on the bytes as a record.
    @discardableResult
    public static func recordScanner(_ bytes: UnsafeRawBufferPointer, arena: Arena = Arena(limit: 1 << 24)) throws -> RecordScanOutcome {
        let buffer = UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        let (outcome, scanned) = scanRecord(buffer)
        let reference = ProtobufCRecords.record(bytes, arena: arena)
        switch outcome {
        case .accepted:
            guard let reference else { throw FuzzCheckFailure("the scanner read a record protobuf-c refuses") }
            if reference != scanned { throw FuzzCheckFailure("the scanner read \(scanned), protobuf-c \(reference)") }
        case .malformed:
            if let reference { throw FuzzCheckFailure("the scanner refused a record protobuf-c reads as \(reference)") }
        case .declined:
            break
        }
        try predictRequest(bytes, arena: arena)
        return outcome
    }

    private static func predictRequest(_ body: UnsafeRawBufferPointer, arena: Arena) throws {
        guard RequestShape.isSinglePredict(body) else { return }
        let view: PredictView
        do {
            view = try PredictView(decoding: body, arena: arena)
        } catch {
            if ProtobufCRecords.predictRecords(body, arena: arena) != nil {
                throw FuzzCheckFailure("the lazy twin refused a request the real Request reads")
            }
            return
        }
        // Everything else the hot path reads (id, deadline, key, selector, dense values, flags)
        // must be what the real Request holds, whenever protobuf-c reads the request.
        let reading = PredictReading(view)
        var records: [[ProtobufCRecords.Field]] = []
        var verdict = RecordScanOutcome.accepted
        let all = view.allRecords
        for r in 0..<all.count where verdict == .accepted {
            let (outcome, fields) = scanRecord(all.scanner(r))
            verdict = outcome
            records.append(fields)
        }
        arena.reset()
        if let real = ProtobufCRecords.predictReading(body, arena: arena), real != reading {
            throw FuzzCheckFailure("the lazy twin read \(reading), the real Request \(real)")
        }
        let reference = ProtobufCRecords.predictRecords(body, arena: arena)
        switch verdict {
        case .accepted:
            guard let reference else { throw FuzzCheckFailure("every record scanned, but the real Request refuses the request") }
            if reference != records { throw FuzzCheckFailure("the request's records scanned as \(records), protobuf-c read \(reference)") }
        case .malformed:
            if reference != nil { throw FuzzCheckFailure("a record scanned as malformed, but the real Request reads the request") }
        case .declined:
            break
        }
    }

    /// Every field `RecordScanner` yields from `bytes` (read as one record), and its verdict.
    package static func scanRecord(_ bytes: UnsafeBufferPointer<UInt8>) -> (RecordScanOutcome, [ProtobufCRecords.Field]) {
        scanRecord(RecordScanner(bytes))
    }

    private static func scanRecord(_ scanner: RecordScanner) -> (RecordScanOutcome, [ProtobufCRecords.Field]) {
        var scanner = scanner
        var fields: [ProtobufCRecords.Field] = []
        while true {
            switch scanner.next() {
            case let .field(f): fields.append(ProtobufCRecords.Field(f))
            case .end: return (.accepted, fields)
            case .malformed: return (.malformed, fields)
            case .declined: return (.declined, fields)
            }
        }
    }
}
