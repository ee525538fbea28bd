// Fast, exact decimal-to-Double parsing of byte ranges (no String allocation).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers from UTF-8 bytes.
///
/// Contract: accepts optional surrounding spaces/tabs, an optional sign, digits with an
/// optional '.', and an optional exponent (`e`/`E`). Hex, `inf`, `nan` and anything else
/// are rejected (nil), as are results that are not finite. The result is the correctly
/// rounded Double (Clinger's fast path, else `strtod`).
enum NumberParser {
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        var i = 0
        var n = count
        while i < n, start[i] == 0x20 || start[i] == 0x09 { i += 1 }
        while n > i, start[n - 1] == 0x20 || start[n - 1] == 0x09 { n -= 1 }
        if i >= n { return nil }
        let (value, length) = prefix(start + i, n - i)
        return length == n - i ? value : nil
    }

    /// The number written at `start` (at most `n` bytes, no spaces before it) and the
    /// bytes it takes: the longest run of the syntax above (sign, digits, '.', exponent),
    /// which stops at the first byte that cannot continue it. nil (with any length) when that
    /// run is no number. For any bytes, `parse` of exactly the run's bytes gives the same
    /// value: `parse` calls this on the trimmed text, and the CSV reader calls it on the rest of
    /// its buffer to read a field without scanning it twice (`CSVTokenizer.nextPlainNumber`).
    @inline(__always)
    static func prefix(_ start: UnsafePointer<UInt8>, _ n: Int) -> (value: Double?, length: Int) {
        var i = 0
        if n <= 0 { return (nil, 0) }
        var negative = false
        if start[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if start[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var digits = 0
        var exponent = 0
        var truncated = false
        while i < n {
            let d = start[i] &- 48
            if d > 9 { break }
            digits += 1
            if mantissa == 0 && d == 0 {
            } else if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d); significant += 1
            } else {
                exponent += 1; if d != 0 { truncated = true }
            }
            i += 1
        }
        if i < n && start[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let d = start[i] &- 48
                if d > 9 { break }
                digits += 1
                if mantissa == 0 && d == 0 {
                    exponent -= 1
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d); significant += 1; exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        if digits == 0 { return (nil, i) }
        if i < n && (start[i] == UInt8(ascii: "e") || start[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < n && (start[i] == UInt8(ascii: "-") || start[i] == UInt8(ascii: "+")) {
                expNegative = start[i] == UInt8(ascii: "-"); i += 1
            }
            var e = 0
            var expDigits = 0
            while i < n {
                let d = start[i] &- 48
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            if expDigits == 0 { return (nil, i) }
            exponent += expNegative ? -e : e
        }
        if mantissa == 0 { return (negative ? -0.0 : 0.0, i) }
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            if exponent >= 0 { v *= powersOfTen[exponent] } else { v /= powersOfTen[-exponent] }
            return (negative ? -v : v, i)
        }
        return (slowParse(start, i), i)
    }

    /// Falls back to strtod on a NUL-terminated copy (syntax already checked).
    private static func slowParse(_ start: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        if count > 1024 { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buf -> Double? in
            guard let base = buf.baseAddress else { return nil }
            for k in 0..<count { base[k] = CChar(bitPattern: start[k]) }
            base[count] = 0
            let v = strtod(base, nil)
            return v.isFinite ? v : nil
        }
    }

    /// Parses a Swift string (used by record encoding and label handling).
    static func parse(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { buf -> Double? in
            guard let base = buf.baseAddress else { return nil }
            return parse(base, buf.count)
        }
    }
}
