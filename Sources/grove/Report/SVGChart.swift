// SVGChart: the few inline SVG charts the model report draws (lines on a unit square, bars).

import Foundation

/// Inline SVG, no scripts and no external references; prints as drawn.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(Double, Double)]
        var dots = false
    }

    static let width = 360.0, height = 300.0, left = 48.0, bottom = 40.0, top = 26.0, right = 12.0

    static func x(_ v: Double) -> Double { left + v * (width - left - right) }
    static func y(_ v: Double) -> Double { height - bottom - v * (height - bottom - top) }

    /// Lines over [0, 1] x [0, 1], with axes, ticks, labels, a legend and an optional diagonal.
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series], diagonal: Bool) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += axes(title: title, xLabel: xLabel, yLabel: yLabel, yMax: 1)
        if diagonal {
            s += "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(0)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(1)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        }
        for (i, se) in series.enumerated() {
            let pts = se.points.filter { $0.0.isFinite && $0.1.isFinite }
            if !pts.isEmpty {
                s += "<polyline fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"2\" points=\""
                s += pts.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ") + "\"/>"
                if se.dots { for p in pts { s += "<circle cx=\"\(f(x(p.0)))\" cy=\"\(f(y(p.1)))\" r=\"3\" fill=\"\(se.color)\"/>" } }
            }
            // Legend in the lower right, where ROC, precision-recall and reliability lines rarely go.
            let ly = y(0) - 18 - Double(series.count - 1 - i) * 15
            s += "<rect x=\"\(f(x(1) - 170))\" y=\"\(f(ly))\" width=\"10\" height=\"10\" fill=\"\(se.color)\"/>"
            s += "<text x=\"\(f(x(1) - 156))\" y=\"\(f(ly + 9))\" font-size=\"11\">\(esc(se.name))</text>"
        }
        return s + "</svg>"
    }

    /// Grouped vertical bars over equal-width bins of [0, 1]; heights are shares of each group.
    static func histogram(title: String, xLabel: String, groups: [(name: String, color: String, counts: [Int])]) -> String {
        let shares = groups.map { g -> [Double] in
            let t = Double(max(1, g.counts.reduce(0, +)))
            return g.counts.map { Double($0) / t }
        }
        let yMax = max(0.05, (shares.flatMap { $0 }.max() ?? 0) * 1.1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += axes(title: title, xLabel: xLabel, yLabel: "share of class", yMax: yMax)
        let bins = groups.first?.counts.count ?? 0
        let bw = (x(1) - x(0)) / Double(max(bins, 1))
        for (gi, g) in groups.enumerated() {
            for b in 0..<bins {
                let h = shares[gi][b] / yMax
                let bx = x(0) + Double(b) * bw + Double(gi) * bw / Double(groups.count)
                s += "<rect x=\"\(f(bx))\" y=\"\(f(y(h)))\" width=\"\(f(bw / Double(groups.count) - 0.5))\" height=\"\(f(y(0) - y(h)))\" fill=\"\(g.color)\" fill-opacity=\"0.8\"/>"
            }
            let ly = top + 6 + Double(gi) * 15
            s += "<rect x=\"\(f(x(1) - 110))\" y=\"\(f(ly))\" width=\"10\" height=\"10\" fill=\"\(g.color)\"/>"
            s += "<text x=\"\(f(x(1) - 96))\" y=\"\(f(ly + 9))\" font-size=\"11\">\(esc(g.name))</text>"
        }
        return s + "</svg>"
    }

    /// Horizontal bars (value >= 0 drawn; negative values drawn as zero-length and labelled).
    static func bars(title: String, items: [(String, Double)], color: String, format: String = "%.3f") -> String {
        let rowH = 18.0, labelW = 190.0, w = 520.0
        let h = top + rowH * Double(items.count) + 10
        let vMax = max(items.map { $0.1 }.filter { $0.isFinite }.max() ?? 0, 1e-12)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<text x=\"4\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(esc(title))</text>"
        for (i, item) in items.enumerated() {
            let yy = top + Double(i) * rowH
            let len = item.1.isFinite ? max(0, item.1) / vMax * (w - labelW - 70) : 0
            s += "<text x=\"\(f(labelW - 6))\" y=\"\(f(yy + 12))\" font-size=\"11\" text-anchor=\"end\">\(esc(String(item.0.prefix(30))))</text>"
            s += "<rect x=\"\(f(labelW))\" y=\"\(f(yy + 2))\" width=\"\(f(len))\" height=\"\(f(rowH - 5))\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(labelW + len + 4))\" y=\"\(f(yy + 12))\" font-size=\"11\">\(item.1.isFinite ? String(format: format, item.1) : "n/a")</text>"
        }
        return s + "</svg>"
    }

    private static func axes(title: String, xLabel: String, yLabel: String, yMax: Double) -> String {
        var s = "<text x=\"\(f(width / 2))\" y=\"16\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\">\(esc(title))</text>"
        s += "<rect x=\"\(f(x(0)))\" y=\"\(f(y(1)))\" width=\"\(f(x(1) - x(0)))\" height=\"\(f(y(0) - y(1)))\" fill=\"none\" stroke=\"#333\"/>"
        for i in 0...4 {
            let t = Double(i) / 4
            s += "<line x1=\"\(f(x(t)))\" y1=\"\(f(y(0)))\" x2=\"\(f(x(t)))\" y2=\"\(f(y(0) + 4))\" stroke=\"#333\"/>"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(y(0) + 15))\" font-size=\"10\" text-anchor=\"middle\">\(String(format: "%.2g", t))</text>"
            s += "<line x1=\"\(f(x(0) - 4))\" y1=\"\(f(y(t)))\" x2=\"\(f(x(0)))\" y2=\"\(f(y(t)))\" stroke=\"#333\"/>"
            s += "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(t)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(x(0) - 6))\" y=\"\(f(y(t) + 3))\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%.2g", t * yMax))</text>"
        }
        s += "<text x=\"\(f(width / 2))\" y=\"\(f(height - 6))\" font-size=\"11\" text-anchor=\"middle\">\(esc(xLabel))</text>"
        s += "<text x=\"12\" y=\"\(f(height / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(height / 2)))\">\(esc(yLabel))</text>"
        return s
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Escapes text for HTML and SVG.
    static func esc(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: o.append(c)
            }
        }
        return o
    }
}
