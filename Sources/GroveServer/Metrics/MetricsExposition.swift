// MetricsExposition: writes metric families in Prometheus's text exposition format, version 0.0.4.
//
// The format (https://prometheus.io/docs/instrumenting/exposition_formats/):
//   # HELP name text          (backslash and newline escaped)
//   # TYPE name counter|gauge|histogram
//   name{label="value",...} 12.5
// One HELP/TYPE pair per family, before its samples, every family once; label values escape
// backslash, double quote and newline; values are Go-style floats (+Inf, -Inf, NaN). A
// histogram is `name_bucket{le="..."}` (cumulative, ending with le="+Inf"), `name_sum` and
// `name_count`. This type is pure text building: the server fills it from a snapshot taken at
// scrape time, and the tests parse its output with a real Prometheus parser.

/// Builds one exposition document. Families must be begun before their samples.
struct MetricsExposition {
    /// The media type of the document, for the HTTP `Content-Type` header.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""
    private var families: Set<String> = []

    /// Starts a family: writes its HELP and TYPE lines. A name may be begun only once.
    mutating func family(_ name: String, _ type: MetricType, help: String) {
        precondition(MetricsExposition.isValidName(name), "invalid metric name \(name)")
        precondition(families.insert(name).inserted, "metric family \(name) written twice")
        text += "# HELP \(name) \(MetricsExposition.escapeHelp(help))\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample line of the current family (`name` may carry a histogram suffix).
    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        sample(name, Array(labels), value)
    }

    mutating func sample(_ name: String, _ labels: [(key: String, value: String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, label) in labels.enumerated() {
                precondition(MetricsExposition.isValidName(label.key) && !label.key.contains(":"), "invalid label name \(label.key)")
                if i > 0 { text += "," }
                text += label.key + "=\"" + MetricsExposition.escapeLabelValue(label.value) + "\""
            }
            text += "}"
        }
        text += " " + MetricsExposition.format(value) + "\n"
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: UInt64) {
        sample(name, Array(labels), Double(value))
    }

    /// All sample lines of one histogram series: cumulative buckets (the last is +Inf = count),
    /// then `_sum` and `_count`. `bounds` are the upper bounds in base units, ascending;
    /// `counts[i]` is the number of observations in (bounds[i-1], bounds[i]], and
    /// `counts[bounds.count]` the number above the last bound.
    mutating func histogram(_ name: String, _ labels: [(key: String, value: String)],
                            bounds: [Double], counts: [UInt64], sum: Double) {
        precondition(counts.count == bounds.count + 1, "a histogram needs one count per bound plus the overflow")
        var cumulative: UInt64 = 0
        for (i, bound) in bounds.enumerated() {
            cumulative &+= counts[i]
            sample(name + "_bucket", labels + [("le", MetricsExposition.format(bound))], Double(cumulative))
        }
        cumulative &+= counts[bounds.count]
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(cumulative))
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, Double(cumulative))
    }

    // MARK: - Escaping and numbers

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 }
        return letter(first) && name.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }

    static func escapeLabelValue(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }

    /// Integers without a fraction ("42"), others shortest round-trip ("0.00001" as "1e-05"),
    /// and Prometheus's spellings of the special values.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

private extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
