// Fixtures: trained models and paths shared by the integration tests.

import Foundation
import GroveForest
import GroveModelStore
import GroveServer
import GroveWire

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let germanCSV = root.appendingPathComponent("data/german_credit.csv").path

    /// The German credit table (read once).
    static let germanTable: DataTable = try! CSVReader.read(path: germanCSV)

    /// A small forest on the German credit data (fast to train in debug builds).
    static func germanModel(name: String = "german_credit", trees: Int = 10, seed: UInt64 = 42) throws -> TrainedModel {
        var p = TrainingParameters(task: .classification)
        p.trees = trees
        p.seed = seed
        return try ModelTrainer.train(table: germanTable, target: "creditability", task: .classification,
                                      positive: "bad", parameters: p, name: name, producer: "test")
    }

    /// Publishes a model into `repo` as its next version.
    @discardableResult
    static func publish(_ model: TrainedModel, into repo: URL) throws -> UInt64 {
        try ModelRepository.publish(model, repository: repo).version
    }

    /// Row `i` of the German data as a raw record (target excluded).
    static func germanRecord(_ i: Int) -> RawRecord {
        RawRecord(row: i, of: germanTable, excluding: "creditability")
    }

    /// The `grove` executable built beside the tests ($GROVE_BIN overrides, e.g. a sanitizer build).
    static var groveBinary: URL {
        if let path = ProcessInfo.processInfo.environment["GROVE_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return root.appendingPathComponent(".build/debug/grove")
    }

    /// Polls `condition` every 50 ms until it holds (true) or `seconds` pass (false): for changes
    /// the server applies at its next scan or reload.
    static func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return false
    }

    /// Runs `grove ARGUMENTS` to completion (`environment`: variables to set, nil to unset) and
    /// returns its exit status, stdout and stderr.
    static func runGrove(_ arguments: [String], environment: [String: String?] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = groveBinary
        p.arguments = arguments
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (name, value) in environment { merged[name] = value }
            p.environment = merged
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
