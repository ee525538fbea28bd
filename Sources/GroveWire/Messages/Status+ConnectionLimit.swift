// Status+ConnectionLimit: the refusal a server sends on a connection it will not serve, which a
// client tells apart from other id-0 answers.

extension Status {
    private static let connectionLimitText = "server is at its connection limit"

    /// The answer (id 0) on a connection refused at `--max-connections`: nothing was read on it.
    public static func connectionLimit(_ maxConnections: Int) -> Status {
        Status(.resourceExhausted, "\(connectionLimitText) (\(maxConnections))")
    }

    /// Whether this is `connectionLimit`'s refusal: a client may send the same call elsewhere.
    /// Other id-0 RESOURCE_EXHAUSTED answers (a first frame too large or too complex) are about
    /// the request, which would be refused anywhere.
    public var isConnectionLimit: Bool {
        code == .resourceExhausted && message.hasPrefix(Self.connectionLimitText)
    }
}
