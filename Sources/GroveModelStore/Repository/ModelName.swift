// ModelName: the rule for model names, which also become directory names.

public enum ModelName {
    public static let maxBytes = 128

    /// Letters, digits, '.', '_' and '-'; not empty, not "." or "..", at most 128 bytes.
    /// Nothing else can name a directory, so no name ever leaves the repository.
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxBytes, name != ".", name != ".." else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
                || b == 0x2e || b == 0x5f || b == 0x2d
        }
    }

    /// A version directory name: a positive decimal integer without leading zeros.
    public static func version(_ directory: String) -> UInt64? {
        guard let first = directory.first, first != "0", directory.utf8.count <= 19,
              directory.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(directory)
    }
}
