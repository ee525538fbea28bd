// ScoringExample: a middleware-style caller that scores a stream of credit applications.
//
// It connects once, learns the model's raw input schema from ModelInfo, then
// scores one application at a time (the way an order-routing or loan
// origination service would), with a per-call deadline, and reports the
// decisions and the client-side latency percentiles.
//
//   swift run grove-scoring-example 127.0.0.1:7070 german_credit [COUNT]

import Foundation
import GroveClient
import GroveWire

let args = CommandLine.arguments
guard args.count >= 3, let endpoint = Endpoint(args[1]) else {
    FileHandle.standardError.write("usage: grove-scoring-example HOST:PORT MODEL[@VERSION|:LABEL] [COUNT]\n".data(using: .utf8)!)
    exit(2)
}
guard let model = ModelSelector(parsing: args[2]) else {
    FileHandle.standardError.write("bad model '\(args[2])'\n".data(using: .utf8)!)
    exit(2)
}
let count = args.count > 3 ? Int(args[3]) ?? 1000 : 1000

var config = GroveClient.Configuration(endpoints: [endpoint])
config.timeoutSeconds = 0.050  // a scoring call that takes longer than 50 ms is a failed call for middleware
let client: GroveClient
do { client = try GroveClient(configuration: config) } catch { print("client: \(error)"); exit(1) }

do {
    let info = try client.modelInfo(model)
    print("scoring with \(info.name)@\(info.version) (\(info.trees) trees, \(info.inputs.count) inputs, positive class: \(info.positiveClass.map { info.classes[$0] } ?? "-"))")

    // A stream of applications: random but valid values for each raw input.
    var rng = SystemRandomNumberGenerator()
    func application() -> RawRecord {
        RawRecord(info.inputs.map { column in
            switch column.kind {
            case .categorical where !column.categories.isEmpty:
                return RawField(column.name, .text(column.categories.randomElement(using: &rng)!))
            default:
                let base = column.fillValue.isFinite ? column.fillValue : 1
                return RawField(column.name, .number((base * Double.random(in: 0.5...1.5, using: &rng)).rounded()))
            }
        })
    }

    var latencies: [Double] = []
    var declined = 0
    let positive = info.positiveClass ?? 0
    for _ in 0..<count {
        let record = application()
        let started = DispatchTime.now().uptimeNanoseconds
        let answer = try client.predict(model, records: [record])
        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1000)
        // Decline when the probability of the positive ("bad") class is above 0.5.
        if answer.probabilities.count > positive, answer.probabilities[positive] > 0.5 { declined += 1 }
    }
    latencies.sort()
    func pct(_ p: Double) -> String { String(format: "%.1f", latencies[min(latencies.count - 1, Int(p / 100 * Double(latencies.count)))]) }
    print("\(count) applications scored, \(declined) declined")
    print("round trip µs: p50 \(pct(50))  p90 \(pct(90))  p99 \(pct(99))  max \(String(format: "%.1f", latencies.last ?? 0))")
} catch {
    print("scoring failed: \(error)")
    exit(1)
}
