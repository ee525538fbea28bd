// MetricsCollector: one Prometheus document from the server's counters, read at scrape time.

import GroveModelStore
import GroveWire

/// Reads everything without taking any lock a loop takes on its request path: per-loop
/// counters and per-loop model statistics are atomics written by their loop alone and
/// summed here; the registry snapshot is an immutable value. (The audit queue depth takes
/// the audit queue's lock, which only predictions with --audit-log take, for a moment.)
enum MetricsCollector {
    static func document(for server: Server) -> String {
        var e = MetricsExposition()
        let loops = server.allLoopCounters
        let snapshot = server.registry.snapshot

        e.family("grove_build_info", .gauge, help: "Always 1; the labels name the build.")
        e.sample("grove_build_info", ["version": GroveVersion.string], 1.0)
        e.family("grove_uptime_seconds", .gauge, help: "Seconds since the server started.")
        e.sample("grove_uptime_seconds", [:], server.uptimeSeconds)
        e.family("grove_serving", .gauge, help: "1 when Health answers SERVING, 0 when NOT_SERVING (draining, audit log failed, no model AVAILABLE).")
        e.sample("grove_serving", [:], server.servingState.status == .serving ? 1.0 : 0.0)

        e.family("grove_requests_total", .counter, help: "Requests answered, by call and gRPC status code (DEADLINE_EXCEEDED: dropped unanswered past its budget).")
        for call in CallKind.allCases {
            for code in StatusCode.allCases {
                let n = loops.reduce(UInt64(0)) { $0 &+ $1.requests(call, code) }
                // Every call's OK series always exists (rate() needs it); other codes once seen.
                if n > 0 || (code == .ok && call != .unknown) {
                    e.sample("grove_requests_total", ["call": call.label, "code": code.name], n)
                }
            }
        }

        let models = snapshot.available.map { ($0.info.name, "\($0.info.version)", $0.stats.merged()) }
        e.family("grove_predictions_total", .counter, help: "Predict calls answered OK, by model and version.")
        for (name, version, m) in models { e.sample("grove_predictions_total", ["model": name, "version": version], m.predictions) }
        e.family("grove_predicted_rows_total", .counter, help: "Rows scored, by model and version.")
        for (name, version, m) in models { e.sample("grove_predicted_rows_total", ["model": name, "version": version], m.rows) }
        e.family("grove_explanations_total", .counter, help: "Explain calls answered OK, by model and version.")
        for (name, version, m) in models { e.sample("grove_explanations_total", ["model": name, "version": version], m.explanations) }
        e.family("grove_explained_rows_total", .counter, help: "Rows explained, by model and version.")
        for (name, version, m) in models { e.sample("grove_explained_rows_total", ["model": name, "version": version], m.explainedRows) }
        e.family("grove_prediction_errors_total", .counter, help: "Predict and explain calls refused by the model (bad rows or records), by model and version.")
        for (name, version, m) in models { e.sample("grove_prediction_errors_total", ["model": name, "version": version], m.errors) }
        e.family("grove_predict_latency_seconds", .histogram, help: "Time to score a predict call on the server (decoded request to encoded answer), by model and version.")
        for (name, version, m) in models {
            e.histogram("grove_predict_latency_seconds", [("model", name), ("version", version)],
                        bounds: LatencyHistogram.prometheusBoundsSeconds, counts: m.latency.prometheusCounts,
                        sum: Double(m.latency.sumNanos) / 1e9)
        }

        let c = server.counters
        e.family("grove_connections_open", .gauge, help: "Client connections open now.")
        e.sample("grove_connections_open", [:], Double(max(0, c.connectionsOpen.load(ordering: .relaxed))))
        e.family("grove_connections_total", .counter, help: "Client connections accepted since start.")
        e.sample("grove_connections_total", [:], c.connectionsTotal.load(ordering: .relaxed))
        e.family("grove_connections_refused_total", .counter, help: "Connections refused at --max-connections.")
        e.sample("grove_connections_refused_total", [:], loops.reduce(UInt64(0)) { $0 &+ $1.refusedConnections })
        e.family("grove_frames_rejected_total", .counter, help: "Frames refused before any call ran, by reason.")
        for reason in FrameRejection.allCases {
            e.sample("grove_frames_rejected_total", ["reason": reason.label], loops.reduce(UInt64(0)) { $0 &+ $1.rejections(reason) })
        }

        e.family("grove_model_versions", .gauge, help: "Model versions known to the registry, by state.")
        var byState: [VersionState.State: Int] = [:]
        for summary in snapshot.summaries { for v in summary.versions { byState[v.state, default: 0] += 1 } }
        for state in [VersionState.State.available, .loading, .failed, .retired] {
            e.sample("grove_model_versions", ["state": "\(state)".uppercased()], Double(byState[state] ?? 0))
        }
        e.family("grove_model_load_failures_total", .counter, help: "Model version loads that failed since start.")
        e.sample("grove_model_load_failures_total", [:], server.registry.loadFailures.load(ordering: .relaxed))

        if let audit = server.audit {
            e.family("grove_audit_queue_depth", .gauge, help: "Audit records queued, not yet written.")
            e.sample("grove_audit_queue_depth", [:], Double(audit.queueDepth))
            e.family("grove_audit_failures_total", .counter, help: "Audit log write or rotation failures since start.")
            e.sample("grove_audit_failures_total", [:], audit.failures)
        }
        if let keys = server.keys {
            e.family("grove_key_reload_failures_total", .counter, help: "API key file reloads refused (the previous keys stayed in force).")
            e.sample("grove_key_reload_failures_total", [:], keys.reloadFailures.load(ordering: .relaxed))
        }

        let p = ProcessStats.current()
        if let v = p.cpuSeconds {
            e.family("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
            e.sample("process_cpu_seconds_total", [:], v)
        }
        if let v = p.residentBytes {
            e.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
            e.sample("process_resident_memory_bytes", [:], v)
        }
        if let v = p.virtualBytes {
            e.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
            e.sample("process_virtual_memory_bytes", [:], v)
        }
        if let v = p.startTimeSeconds {
            e.family("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
            e.sample("process_start_time_seconds", [:], v)
        }
        if let v = p.openFDs {
            e.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
            e.sample("process_open_fds", [:], Double(v))
        }
        if let v = p.maxFDs {
            e.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
            e.sample("process_max_fds", [:], v)
        }
        return e.text
    }
}
