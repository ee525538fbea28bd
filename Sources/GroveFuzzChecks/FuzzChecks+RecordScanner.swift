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
    ///   holds (`PredictReading`: id, deadline, API key, model selector, dense values, flags);
    /// - when `PredictRequestReader` reads raw records from the bytes in place, the lazy twin must
    ///   decode them and its record path read the same call (id, deadline, key, selector, flag,
    ///   each record's bytes in order).
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
        let inPlace = PredictRequestReader.read(body).flatMap { $0.records.count > 0 ? $0 : nil }
        guard RequestShape.isSinglePredict(body) else {
            if inPlace != nil { throw FuzzCheckFailure("the in-place reader read records from a request RequestShape refuses") }
            return
        }
        let view: PredictView
        do {
            view = try PredictView(decoding: body, arena: arena)
        } catch {
            if inPlace != nil { throw FuzzCheckFailure("the in-place reader read records from a request the lazy twin refuses") }
            if ProtobufCRecords.predictRecords(body, arena: arena) != nil {
                throw FuzzCheckFailure("the lazy twin refused a request the real Request reads")
            }
            return
        }
        if let inPlace { try sameRecordCall(inPlace, view) }
        // Everything else the hot path reads (id, deadline, key, selector, dense values, flags)
        // must be what the real Request holds, whenever protobuf-c reads the request.
        let reading = PredictReading(view)
        var records: [[ProtobufCRecords.Field]] = []
        var verdict = RecordScanOutcome.accepted
        var all = view.allRecords.makeIterator()
        while verdict == .accepted, let bytes = all.next() {
            let (outcome, fields) = scanRecord(bytes)
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

    /// The in-place reader's raw-record call against the lazy twin's (`PredictView.recordPredict`)
    /// of the same bytes: the same id, budget, key, selector, flag and records, byte for byte, in
    /// order, so the record hot path answers it as it did from the twin.
    private static func sameRecordCall(_ r: PredictRequestReader.Parts, _ view: PredictView) throws {
        guard let p = view.recordPredict(), let key = try? view.apiKey() else {
            throw FuzzCheckFailure("the in-place reader read records the lazy twin's record path does not take")
        }
        func bytes(_ records: RawRecordsView) -> [[UInt8]] {
            var all = records.makeIterator(), out: [[UInt8]] = []
            while let b = all.next() { out.append(Array(b)) }
            return out
        }
        let mine = bytes(r.records), twin = bytes(p.records)
        let same = r.id == view.id && r.timeoutMicros == view.timeoutMicros && Array(r.apiKey) == Array(key)
            && Array(r.modelName) == Array(p.modelName) && r.version == p.version && Array(r.label) == Array(p.label)
            && r.labelsOnly == p.labelsOnly && r.records.count == p.records.count && mine == twin
        if !same { throw FuzzCheckFailure("the in-place reader read \(r.id), \(mine), the lazy twin \(view.id), \(twin)") }
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
