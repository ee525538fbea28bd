// grove load: closed-loop prediction load through GroveClient, counting what was sent, failed and retried.

import ArgumentParser
import Foundation
import GroveClient
import GroveSystem
import GroveWire
import Synchronization

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drive prediction load through the client library and count failures (cluster tests).",
        discussion: """
        Each of --concurrency threads sends one dense prediction (a row of zeros: the model's \
        feature count is read first), waits for the answer, and sends the next, through one \
        shared GroveClient (its balancing, ejection, retry and deadlines). Stops after --seconds, \
        or on SIGINT/SIGTERM, then prints one JSON object: sent, ok, failed (by code), retried, \
        ejections, the versions that answered, and the slowest call.
          grove load 127.0.0.1:7070 --model german_credit --concurrency 8 --seconds 10
        """)

    @Argument(help: "Server addresses HOST:PORT, comma separated.")
    var address: String

    @Option(help: "Model: NAME, NAME@VERSION or NAME:LABEL.")
    var model: String

    @Option(help: "Threads, each with one call in flight.")
    var concurrency = 4

    @Option(help: "Seconds to run (0: until SIGINT or SIGTERM).")
    var seconds: Double = 10

    @Option(help: "Deadline per call, in seconds.")
    var timeout: Double = 2

    @Option(help: "firstAvailable, roundRobin or leastOutstanding.")
    var balancing = "leastOutstanding"

    @Option(help: "API key to send.")
    var apiKey = ""

    func run() throws {
        let endpoints = try address.split(separator: ",").map { text -> Endpoint in
            guard let e = Endpoint(String(text)) else { throw ValidationError("bad address '\(text)': want HOST:PORT") }
            return e
        }
        guard let selector = ModelSelector(parsing: model) else { throw ValidationError("bad --model '\(model)'") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        var config = GroveClient.Configuration(endpoints: endpoints)
        config.timeoutSeconds = timeout
        config.apiKey = apiKey
        switch balancing {
        case "firstAvailable": config.balancing = .firstAvailable
        case "roundRobin": config.balancing = .roundRobin
        case "leastOutstanding": config.balancing = .leastOutstanding
        default: throw ValidationError("--balancing: firstAvailable, roundRobin or leastOutstanding")
        }
        let client = try GroveClient(configuration: config)
        let features = try client.modelInfo(selector).featureNames.count
        let row = [Double](repeating: 0, count: features)

        let stop = LoadStopFlag()
        Syscall.ignoreSignal(SIGINT)
        Syscall.ignoreSignal(SIGTERM)
        var sources: [DispatchSourceSignal] = []
        for s in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            sources.append(source)
        }
        let tally = LoadTally()
        let started = Date()
        let group = DispatchGroup()
        for _ in 0..<concurrency {
            group.enter()
            Thread {
                while !stop.isSet && (seconds <= 0 || Date().timeIntervalSince(started) < seconds) {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        let answer = try client.predict(selector, dense: row, labelsOnly: true)
                        tally.record(ok: answer.version, code: nil, nanos: DispatchTime.now().uptimeNanoseconds - t0)
                    } catch {
                        tally.record(ok: nil, code: (error as? GroveClientError)?.code.name ?? "\(error)", nanos: DispatchTime.now().uptimeNanoseconds - t0)
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let c = client.counters
        let t = tally.snapshot()
        let object: [String: Any] = [
            "sent": t.sent, "ok": t.ok, "failed": t.sent - t.ok, "failures": t.failures,
            "retried": c.retries, "ejections": c.ejections, "probes": c.probes,
            "versions": Dictionary(uniqueKeysWithValues: t.versions.map { ("\($0.key)", $0.value) }),
            "seconds": Date().timeIntervalSince(started), "max_latency_ms": Double(t.maxNanos) / 1e6,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        withExtendedLifetime(sources) {}
    }
}

/// Set once, read by every load thread.
final class LoadStopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// The load threads' outcomes.
final class LoadTally: Sendable {
    struct Snapshot { var sent = 0, ok = 0, failures: [String: Int] = [:], versions: [UInt64: Int] = [:], maxNanos: UInt64 = 0 }
    private let s = Mutex(Snapshot())

    func record(ok version: UInt64?, code: String?, nanos: UInt64) {
        s.withLock { s in
            s.sent += 1
            if let version { s.ok += 1; s.versions[version, default: 0] += 1 }
            if let code { s.failures[code, default: 0] += 1 }
            s.maxNanos = max(s.maxNanos, nanos)
        }
    }

    func snapshot() -> Snapshot { s.withLock { $0 } }
}
