// RecordLayout: the bytes clients write before a raw record field's value, to confirm a field in one comparison.

/// Clients (every Grove client, protobuf encoders generally) write a record's field as
/// `0a L 0a n <name> 11 <8 bytes>` for a number and `0a L 0a n <name> 1a t <text>` for a text
/// (`Record.fields`, then `Field.name`, then `number` or `text`). For a column of a known kind,
/// everything from the name's tag to the value's tag is fixed: its `head`. A record in the order a
/// loop remembers is then confirmed field by field with one comparison of the head
/// (`RecordScanner.next(head:count:)`) instead of decoding the field's framing and comparing its
/// name apart.
public enum RecordLayout {
    /// The head of a field naming `name` with a number (`numeric`) or a text: nil when the name's
    /// length needs more than one length byte in a field a client writes with one (such fields
    /// are read by `RecordScanner.next()` alone).
    public static func head(name: [UInt8], numeric: Bool) -> [UInt8]? {
        // A number's field is 2 + n + 9 bytes long, a text's 2 + n + 2 + t: the field's own length byte must stay below 0x80.
        guard name.count + (numeric ? 11 : 4) < 0x80 else { return nil }
        return [0x0a, UInt8(name.count)] + name + [numeric ? 0x11 : 0x1a]
    }
}
