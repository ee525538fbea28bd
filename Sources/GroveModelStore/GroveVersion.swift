// GroveVersion: the software version reported by Health and written into model files.

public enum GroveVersion {
    public static let string = "0.1.0"
}
