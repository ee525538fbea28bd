// ReasonListBuffer: reason codes for a packed response, held in loop-owned C memory (no allocation per request).

import CGroveProto
import CProtobufC
import Glibc

/// Per-row reason lists (`PredictResponse.reasons`) and the explained class, built into
/// buffers that grow to the largest answer seen and are reused after it: filling and packing
/// allocates nothing once warm. Texts are copied in (NUL-terminated), so the caller's strings
/// need not outlive the call. One per loop; not thread-safe.
///
/// Use: `start(rows:reasonsPerRow:)`, then per row `beginRow()` and up to `reasonsPerRow`
/// `append(...)`, then `setExplainedClass(_:)`; `PredictResponseWriter` packs it (by hand,
/// `PredictResponseEncoder`, from the texts and their lengths; or through protobuf-c's structs,
/// which `resolve()` points into the buffer).
public final class ReasonListBuffer {
    private var reasons = UnsafeMutableBufferPointer<Grove__V1__Reason>(start: nil, count: 0)
    /// Per reason: its contribution.
    private(set) var contributions = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
    private var reasonPointers = UnsafeMutableBufferPointer<UnsafeMutablePointer<Grove__V1__Reason>?>(start: nil, count: 0)
    private var lists = UnsafeMutableBufferPointer<Grove__V1__ReasonList>(start: nil, count: 0)
    private var listPointers = UnsafeMutableBufferPointer<UnsafeMutablePointer<Grove__V1__ReasonList>?>(start: nil, count: 0)
    /// Per reason: text offsets of column, value, code and text.
    private(set) var offsets = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    /// Per reason: the bytes of column, value, code and text up to their first NUL (what
    /// protobuf-c's `strlen` reads of the copies).
    private(set) var lengths = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    /// Per row: its first reason (and, after the last row, the reason count: `endRows()`).
    private(set) var firstReason = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    private(set) var text = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
    private var textUsed = 0
    private(set) var reasonCount = 0
    private(set) var rowCount = 0
    /// The explained class's text offset (-1: none) and length up to its first NUL.
    private(set) var explainedClass = -1
    private(set) var explainedClassLength = 0

    public init() {}

    deinit {
        reasons.deallocate(); reasonPointers.deallocate(); lists.deallocate(); listPointers.deallocate()
        contributions.deallocate(); offsets.deallocate(); lengths.deallocate(); firstReason.deallocate(); text.deallocate()
    }

    /// Empties the buffer and makes room for `rows` lists of at most `reasonsPerRow` reasons.
    public func start(rows: Int, reasonsPerRow: Int) {
        let most = rows * reasonsPerRow
        if reasons.count < most {
            reasons.deallocate(); reasonPointers.deallocate(); contributions.deallocate(); offsets.deallocate(); lengths.deallocate()
            let n = Self.grown(most)
            reasons = .allocate(capacity: n)
            reasonPointers = .allocate(capacity: n)
            contributions = .allocate(capacity: n)
            offsets = .allocate(capacity: 4 * n)
            lengths = .allocate(capacity: 4 * n)
        }
        if lists.count < rows {
            lists.deallocate(); listPointers.deallocate(); firstReason.deallocate()
            let n = Self.grown(rows)
            lists = .allocate(capacity: n)
            listPointers = .allocate(capacity: n)
            firstReason = .allocate(capacity: n + 1)
        }
        textUsed = 0
        reasonCount = 0
        rowCount = 0
        explainedClass = -1
        explainedClassLength = 0
    }

    /// Starts the next row's list.
    public func beginRow() {
        precondition(rowCount < lists.count, "ReasonListBuffer: more rows than started with")
        firstReason[rowCount] = reasonCount
        rowCount += 1
    }

    /// Appends a reason to the current row's list.
    public func append(column: String, contribution: Double, value: String, code: String, text words: String) {
        precondition(rowCount > 0 && reasonCount < reasons.count, "ReasonListBuffer: more reasons than started with")
        contributions[reasonCount] = contribution
        let at = 4 * reasonCount
        (offsets[at], lengths[at]) = copy(column)
        (offsets[at + 1], lengths[at + 1]) = copy(value)
        (offsets[at + 2], lengths[at + 2]) = copy(code)
        (offsets[at + 3], lengths[at + 3]) = copy(words)
        reasonCount += 1
    }

    /// Appends a reason to the current row's list from UTF-8 bytes that hold no NUL (the served
    /// hot paths' texts, `ReasonTexts`): the same as `append(column:contribution:value:code:text:)`
    /// with those texts, without a String.
    public func append(contribution: Double, column: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
                       code: UnsafeBufferPointer<UInt8>, text words: UnsafeBufferPointer<UInt8>) {
        precondition(rowCount > 0 && reasonCount < reasons.count, "ReasonListBuffer: more reasons than started with")
        contributions[reasonCount] = contribution
        let at = 4 * reasonCount
        reserveText(column.count + value.count + code.count + words.count + 4)
        (offsets[at], lengths[at]) = copy(column)
        (offsets[at + 1], lengths[at + 1]) = copy(value)
        (offsets[at + 2], lengths[at + 2]) = copy(code)
        (offsets[at + 3], lengths[at + 3]) = copy(words)
        reasonCount += 1
    }

    /// The class the reasons explain (`PredictResponse.explained_class`).
    public func setExplainedClass(_ label: String) {
        (explainedClass, explainedClassLength) = copy(label)
    }

    /// Closes the last row's list (the packers call it before reading the lists).
    func endRows() {
        firstReason[rowCount] = reasonCount
    }

    /// Points `predict`'s reasons and explained class into this buffer (valid until the next `start`).
    func fill(_ predict: inout Grove__V1__PredictResponse) {
        resolve()
        predict.n_reasons = rowCount
        predict.reasons = listPointers.baseAddress
        if explainedClass >= 0 { predict.explained_class = explainedClassText }
    }

    /// The explained class's text (after `resolve()`), or nil when none was set.
    var explainedClassText: UnsafeMutablePointer<CChar>? {
        explainedClass < 0 ? nil : UnsafeMutableRawPointer(text.baseAddress!).assumingMemoryBound(to: CChar.self) + explainedClass
    }

    /// Row `r`'s reasons, once `resolve()` ran (valid until the next `start`).
    func list(_ r: Int) -> (count: Int, reasons: UnsafeMutablePointer<UnsafeMutablePointer<Grove__V1__Reason>?>?) {
        (lists[r].n_reasons, lists[r].reasons)
    }

    /// Points every reason's texts and every list into the buffers, now that they stop growing.
    func resolve() {
        endRows()
        reserveText(1)   // a base address even when nothing was copied
        let base = UnsafeMutableRawPointer(text.baseAddress!).assumingMemoryBound(to: CChar.self)
        for i in 0..<reasonCount {
            grove__v1__reason__init(reasons.baseAddress! + i)
            reasons[i].contribution = contributions[i]
            reasons[i].column = base + offsets[4 * i]
            reasons[i].value = base + offsets[4 * i + 1]
            reasons[i].code = base + offsets[4 * i + 2]
            reasons[i].text = base + offsets[4 * i + 3]
            reasonPointers[i] = reasons.baseAddress! + i
        }
        for r in 0..<rowCount {
            grove__v1__reason_list__init(lists.baseAddress! + r)
            lists[r].n_reasons = firstReason[r + 1] - firstReason[r]
            lists[r].reasons = reasonPointers.baseAddress! + firstReason[r]
            listPointers[r] = lists.baseAddress! + r
        }
    }

    /// Copies `s` and a NUL into the text buffer; returns where it starts and its bytes up to
    /// its first NUL (all of them when it holds none).
    private func copy(_ s: String) -> (start: Int, length: Int) {
        let start = textUsed
        let copied: Void? = s.utf8.withContiguousStorageIfAvailable { bytes in
            reserveText(bytes.count + 1)
            UnsafeMutableBufferPointer(rebasing: text[textUsed..<(textUsed + bytes.count)]).initialize(fromContentsOf: bytes)
            textUsed += bytes.count
        }
        if copied == nil {
            for b in s.utf8 { reserveText(1); text[textUsed] = b; textUsed += 1 }
        }
        reserveText(1)
        text[textUsed] = 0
        let bytes = textUsed - start
        let length = memchr(text.baseAddress! + start, 0, bytes).map { UnsafeRawPointer($0) - UnsafeRawPointer(text.baseAddress! + start) } ?? bytes
        textUsed += 1
        return (start, length)
    }

    /// Copies `bytes` (no NUL in them) and a NUL into the text buffer, which has room for them.
    @inline(__always)
    private func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, length: Int) {
        let start = textUsed
        if let from = bytes.baseAddress, bytes.count > 0 {
            (text.baseAddress! + start).update(from: from, count: bytes.count)
        }
        text[start + bytes.count] = 0
        textUsed = start + bytes.count + 1
        return (start, bytes.count)
    }

    private func reserveText(_ more: Int) {
        guard textUsed + more > text.count else { return }
        let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.grown(max(256, textUsed + more)))
        if textUsed > 0 { UnsafeMutableBufferPointer(rebasing: bigger[0..<textUsed]).initialize(fromContentsOf: text[0..<textUsed]) }
        text.deallocate()
        text = bigger
    }

    private static func grown(_ n: Int) -> Int { max(16, n + n / 2) }
}

@available(*, unavailable)
extension ReasonListBuffer: Sendable {}
