// A named metric value, as recorded in model files.

/// One named metric ("auc", "rmse", ...) and its value.
public struct Metric: Sendable, Hashable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }

    public static func == (a: Metric, b: Metric) -> Bool {
        a.name == b.name && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }

    public func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
    }
}
