// ModelSelector: which model (and which version or label) a call is for.

/// Names a model, and optionally a version or a label. With neither, the
/// latest available version is meant.
public struct ModelSelector: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    /// A specific version; nil for "not specified".
    public var version: UInt64?
    /// A label such as "stable"; nil for "not specified".
    public var label: String?

    public init(name: String, version: UInt64? = nil, label: String? = nil) {
        self.name = name
        self.version = version
        self.label = label
    }

    /// Parses `NAME`, `NAME@VERSION` or `NAME:LABEL`.
    public init?(parsing text: String) {
        if let at = text.firstIndex(of: "@") {
            guard let v = UInt64(text[text.index(after: at)...]), v > 0 else { return nil }
            self.init(name: String(text[..<at]), version: v)
        } else if let colon = text.firstIndex(of: ":") {
            let label = String(text[text.index(after: colon)...])
            guard !label.isEmpty else { return nil }
            self.init(name: String(text[..<colon]), label: label)
        } else {
            self.init(name: text)
        }
        if name.isEmpty { return nil }
    }

    public var description: String {
        if let version { return "\(name)@\(version)" }
        if let label { return "\(name):\(label)" }
        return name
    }
}
