// grove bench: serving benchmarks side by side with the wire's limit, and in-process inference.

import ArgumentParser
import Foundation
import GroveForest
import GroveModelStore
import GroveWire

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark serving against the wire's limit measured in the same run.",
        discussion: """
        Starts two child servers on loopback: `grove serve` on the repository, and the same \
        server in echo mode (same loop, sockets and framing; no protobuf, no model) as the \
        limit. Every figure is also printed as a ratio to that limit. With --echo-binary, a \
        different echo server (e.g. the C pingpong server) is the limit instead.
        """)

    @Option(help: "Model repository.") var repo: String
    @Option(help: "Model name.") var model: String = "german_credit"
    @Option(help: "CSV rows to send (default: the bundled German credit data).") var data: String = "data/german_credit.csv"
    @Option(help: "Server event loops.") var threads: Int = 2
    @Option(help: "Round trips per latency run.") var iterations: Int = 100_000
    @Option(help: "Seconds per throughput run (after 1 s of warm-up).") var seconds: Double = 5
    @Option(help: "An external echo server command; {port} is replaced by a free port.") var echoCommand: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Only the in-process inference benchmark.") var inferenceOnly = false
    @Flag(help: "Only the in-process benchmarks and the one-row predict with and without 4 inline reasons.") var explainOnly = false
    @Option(help: "Then hold a fraction of the measured 16x16 peak for this many seconds (0: skip).") var sustained: Double = 0
    @Option(help: "The fraction of the peak held by --sustained.") var sustainedFraction: Double = 0.8
    @Option(help: ArgumentHelp("Only call predict(row:into:) this many times and exit (for valgrind's allocation count).", visibility: .hidden))
    var allocProbe: Int?
    @Option(help: ArgumentHelp("Only explain one row this many times and exit (for valgrind's allocation count).", visibility: .hidden))
    var explainProbe: Int?
    @Option(help: ArgumentHelp("Only predict a 10,000-row batch on one thread this many times and exit (for callgrind's instruction count).", visibility: .hidden))
    var batchProbe: Int?
    @Flag(help: ArgumentHelp("With --batch-probe or --alloc-probe: the Swift walk (the C key walk's baseline).", visibility: .hidden))
    var probeSwiftWalk = false
    @Option(help: "Only write the request payloads this benchmark sends (one dense row, one raw record, the batch) into this directory and exit (for scripts/bench-wire.py).")
    var writeFrames: String?

    func run() throws {
        let stored = try ModelFileLoader.load(repo: repo, name: model, version: nil)
        let table: DataTable
        do { table = try CSVReader.read(path: data) } catch { throw ValidationError("\(data): \(error)") }
        let rows = min(table.rowCount, 100)
        let encoded = try stored.preprocessing.encode(table: table, rows: Array(0..<rows)).values
        let f = stored.forest.numFeatures
        var report: [[String: Any]] = []
        var sustainedSummary: String?
        if let calls = allocProbe {
            let compiled = try CompiledForest(forest: stored.forest)
            var out = [Double](repeating: 0, count: stored.forest.numOutputs)
            try encoded.withUnsafeBufferPointer { input in
                try out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<calls {
                        let r = i % rows
                        try compiled.predict(row: UnsafeBufferPointer(rebasing: input[(r * f)..<((r + 1) * f)]), into: o,
                                             walk: probeSwiftWalk ? .swift : .fastest)
                    }
                }
            }
            print("probe: \(calls) calls, last output \(out[0])")
            return
        }

        if let calls = batchProbe {
            let last = try InferenceBench.batchProbe(model: stored, rows: encoded, rowCount: rows, calls: calls,
                                                    walk: probeSwiftWalk ? .swift : .fastest)
            print("probe: \(calls) batches of 10,000 rows, last output \(last)")
            return
        }

        if let calls = explainProbe {
            let (last, kernel) = try ExplainBench.probe(model: stored, rows: encoded, rowCount: rows, calls: calls)
            print("probe: \(calls) explanations (\(kernel.rawValue) kernel), last prediction \(last)")
            return
        }

        let selector = ModelSelector(name: model)
        let oneRow = Request(id: 1, call: .predict(PredictRequest(model: selector, dense: Array(encoded[0..<f]))))
        let batch = Request(id: 2, call: .predict(PredictRequest(model: selector, dense: Array(encoded[0..<(f * rows)]))))
        let recordRow = Request(id: 3, call: .predict(PredictRequest(model: selector, records: [
            RawRecord(row: 0, of: table, excluding: stored.preprocessing.target)])))
        if let dir = writeFrames {
            // Payloads without the 4-byte length (the C client adds it), as Grove's own requests.
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // Decision + 4 reasons in one round trip, and the Explain call, on the same row.
            let reasonsRow = Request(id: 4, call: .predict(PredictRequest(model: selector, dense: Array(encoded[0..<f]), reasons: 4)))
            let explainRow = Request(id: 5, call: .explain(ExplainRequest(model: selector, dense: Array(encoded[0..<f]), topK: 4)))
            for (name, request) in [("dense-1row.pb", oneRow), ("record-1row.pb", recordRow), ("dense-\(rows)rows.pb", batch),
                                    ("reasons-1row.pb", reasonsRow), ("explain-1row.pb", explainRow)] {
                try Data(request.framed().dropFirst(FrameLimits.headerBytes)).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
            }
            print("wrote dense-1row.pb, record-1row.pb, dense-\(rows)rows.pb, reasons-1row.pb, explain-1row.pb into \(dir)")
            return
        }

        let inference = try InferenceBench.run(model: stored, rows: encoded, rowCount: rows)
        report.append(contentsOf: inference.json)
        if !json { print(inference.text) }
        let explanation = try ExplainBench.run(model: stored, rows: encoded, rowCount: rows)
        report.append(contentsOf: explanation.json)
        if !json { print(explanation.text) }
        if inferenceOnly {
            if json { print(JSONText.encode(["results": report])) }
            return
        }


        let grove = try ChildServer(arguments: ["--repo", repo, "--threads", String(threads)])
        defer { grove.stop() }
        let emptyRepo = FileManager.default.temporaryDirectory.appendingPathComponent("grove-bench-echo-\(getpid())")
        try FileManager.default.createDirectory(at: emptyRepo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: emptyRepo) }
        let echo = try ChildServer(arguments: ["--repo", emptyRepo.path, "--threads", String(threads), "--echo"])
        defer { echo.stop() }

        let warm = max(1000, iterations / 10)
        var lines: [(String, RunResult, RunResult?, Int)] = []
        func row(_ name: String, _ r: RunResult, limit: RunResult?, rowsPerRequest: Int) {
            lines.append((name, r, limit, rowsPerRequest))
            var o: [String: Any] = [
                "name": name, "requests": r.requests, "seconds": r.seconds, "requests_per_second": r.perSecond,
                "rows_per_second": r.perSecond * Double(rowsPerRequest),
                "p50_us": r.micros(50), "p90_us": r.micros(90), "p99_us": r.micros(99), "p999_us": r.micros(99.9),
                "max_us": r.maxMicros, "server_cpu_seconds": r.serverCPUSeconds,
            ]
            if let limit {
                o["p50_ratio"] = r.micros(50) / limit.micros(50)
                o["p99_ratio"] = r.micros(99) / limit.micros(99)
                o["throughput_ratio"] = r.perSecond / limit.perSecond
            }
            report.append(o)
        }

        // Closed loop: one connection, one request in flight.
        let echoOne = try LoadDriver.closedLoop(port: echo.port, frame: oneRow.framed(), warmup: warm, iterations: iterations, server: echo)
        row("limit: echo, 1 conn x 1, \(oneRow.framed().count - 4) B frame", echoOne, limit: nil, rowsPerRequest: 1)
        let groveOne = try LoadDriver.closedLoop(port: grove.port, frame: oneRow.framed(), warmup: warm, iterations: iterations, server: grove)
        row("grove predict 1 row (dense), 1 conn x 1", groveOne, limit: echoOne, rowsPerRequest: 1)
        // Decision + 4 reason codes in one round trip, as a ratio to the plain prediction above.
        let reasonsRow = Request(id: 4, call: .predict(PredictRequest(model: selector, dense: Array(encoded[0..<f]), reasons: 4)))
        let groveReasons = try LoadDriver.closedLoop(port: grove.port, frame: reasonsRow.framed(), warmup: warm, iterations: iterations, server: grove)
        row("grove predict 1 row + 4 reasons; ratio to plain predict", groveReasons, limit: groveOne, rowsPerRequest: 1)
        let explainRow = Request(id: 5, call: .explain(ExplainRequest(model: selector, dense: Array(encoded[0..<f]), topK: 4)))
        let groveExplain = try LoadDriver.closedLoop(port: grove.port, frame: explainRow.framed(), warmup: warm, iterations: iterations, server: grove)
        row("grove explain 1 row (top 4); ratio to plain predict", groveExplain, limit: groveOne, rowsPerRequest: 1)
        if explainOnly {
            let again = try LoadDriver.closedLoop(port: grove.port, frame: oneRow.framed(), warmup: warm, iterations: iterations, server: grove)
            row("grove predict 1 row (dense), again", again, limit: echoOne, rowsPerRequest: 1)
            let reasonsAgain = try LoadDriver.closedLoop(port: grove.port, frame: reasonsRow.framed(), warmup: warm, iterations: iterations, server: grove)
            row("grove predict 1 row + 4 reasons, again; ratio to plain", reasonsAgain, limit: again, rowsPerRequest: 1)
        }
        if !explainOnly {
            let clientOne = try LoadDriver.clientCalls(port: grove.port, request: oneRow, warmup: warm, iterations: iterations)
            row("grove predict 1 row via GroveConnection.call (encode+decode)", clientOne, limit: echoOne, rowsPerRequest: 1)
            let groveRecord = try LoadDriver.closedLoop(port: grove.port, frame: recordRow.framed(), warmup: warm, iterations: iterations, server: grove)
            row("grove predict 1 raw record, 1 conn x 1", groveRecord, limit: echoOne, rowsPerRequest: 1)
            let echoBatch = try LoadDriver.closedLoop(port: echo.port, frame: batch.framed(), warmup: warm / 10, iterations: iterations / 10, server: echo)
            row("limit: echo, 1 conn x 1, \(batch.framed().count - 4) B frame", echoBatch, limit: nil, rowsPerRequest: rows)
            let groveBatch = try LoadDriver.closedLoop(port: grove.port, frame: batch.framed(), warmup: warm / 10, iterations: iterations / 10, server: grove)
            row("grove predict \(rows) rows (dense), 1 conn x 1", groveBatch, limit: echoBatch, rowsPerRequest: rows)

            // Pipelined throughput.
            for (conns, depth) in [(1, 64), (16, 16)] {
                let e = try LoadDriver.pipelined(port: echo.port, frame: oneRow.framed(), connections: conns, depth: depth, seconds: seconds, server: echo)
                row("limit: echo, \(conns) conn x \(depth) in flight", e, limit: nil, rowsPerRequest: 1)
                let g = try LoadDriver.pipelined(port: grove.port, frame: oneRow.framed(), connections: conns, depth: depth, seconds: seconds, server: grove)
                row("grove predict 1 row, \(conns) conn x \(depth) in flight", g, limit: e, rowsPerRequest: 1)
            }
            if sustained > 0, let peak = report.last(where: { ($0["name"] as? String) == "grove predict 1 row, 16 conn x 16 in flight" })?["requests_per_second"] as? Double {
                let rate = peak * sustainedFraction
                let (r, rss) = try LoadDriver.sustained(port: grove.port, frame: oneRow.framed(), connections: 16, rate: rate, seconds: sustained, server: grove)
                row("grove sustained \(Int(rate)) req/s (\(Int(sustainedFraction * 100))% of peak) for \(Int(sustained)) s, 16 conns", r, limit: nil, rowsPerRequest: 1)
                let first = rss.prefix(5).max() ?? 0, last = rss.suffix(5).max() ?? 0
                report.append(["name": "sustained load check", "p999_over_p50": r.micros(99.9) / r.micros(50),
                               "rss_first_kib": first, "rss_last_kib": last, "rss_samples_kib": rss])
                sustainedSummary = String(format: "sustained: p99.9 / p50 = %.2f; server RSS %d MiB at the start, %d MiB at the end (%d samples)",
                                          r.micros(99.9) / r.micros(50), first / 1024, last / 1024, rss.count)
            }
            let eb = try LoadDriver.pipelined(port: echo.port, frame: batch.framed(), connections: 4, depth: 4, seconds: seconds, server: echo)
            row("limit: echo \(rows)-row frames, 4 conn x 4", eb, limit: nil, rowsPerRequest: rows)
            let gb = try LoadDriver.pipelined(port: grove.port, frame: batch.framed(), connections: 4, depth: 4, seconds: seconds, server: grove)
            row("grove predict \(rows) rows, 4 conn x 4", gb, limit: eb, rowsPerRequest: rows)
        }

        if json {
            print(JSONText.encode(["model": model, "threads": threads, "server_rss_kib": grove.residentKiB, "results": report]))
            return
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func num(_ v: Double, _ width: Int, _ digits: Int = 1) -> String {
            let t = String(format: "%.\(digits)f", v)
            return String(repeating: " ", count: max(0, width - t.count)) + t
        }
        print("")
        print(pad("serving (loopback; client and servers share the cores)", 62) + "  p50 µs     p90     p99   p99.9      max        req/s       rows/s  cpu s")
        for (name, r, limit, perReq) in lines {
            print(pad(name, 62) + num(r.micros(50), 8) + num(r.micros(90), 8) + num(r.micros(99), 8) + num(r.micros(99.9), 8)
                  + num(r.maxMicros, 9) + num(r.perSecond, 13, 0) + num(r.perSecond * Double(perReq), 13, 0) + num(r.serverCPUSeconds, 7, 2))
            if let limit {
                print(pad("    ratio to the limit", 62) + num(r.micros(50) / limit.micros(50), 7, 2) + "x"
                      + String(repeating: " ", count: 8) + num(r.micros(99) / limit.micros(99), 7, 2) + "x"
                      + String(repeating: " ", count: 17) + num(r.perSecond / limit.perSecond, 12, 2) + "x")
            }
        }
        if let sustainedSummary { print(sustainedSummary) }
        print("server resident memory after the runs: \(grove.residentKiB / 1024) MiB")
    }
}
