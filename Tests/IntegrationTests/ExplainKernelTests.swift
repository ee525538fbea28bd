// ExplainKernelTests: GROVE_EXPLAIN_ISA picks the explanation kernel of a real grove process, and
// every kernel gives the same explanation there.

import Foundation
import GroveForest
import Testing

@Suite struct ExplainKernelTests {
    /// Runs the grove executable with GROVE_EXPLAIN_ISA = `kernel` (nil: unset); returns stdout.
    static func grove(_ arguments: [String], kernel: String?) throws -> String {
        let run = try Fixtures.runGrove(arguments, environment: ["GROVE_EXPLAIN_ISA": kernel])
        #expect(run.status == 0, "grove \(arguments.joined(separator: " ")) with GROVE_EXPLAIN_ISA=\(kernel ?? "unset")")
        return run.stdout
    }

    /// The environment caps the kernel (portable, avx2 where the CPU has it, the Swift
    /// reference); unset, the CPU's best runs. `grove explain` answers the same contributions
    /// with each (identical text for the C widths, within 1e-12 for the reference).
    @Test func theEnvironmentPicksTheKernelAndEveryKernelExplainsAlike() throws {
        try #require(ProcessTests.binaryBuilt, "build the grove executable first (swift build --build-tests builds it)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grove-kernel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Fixtures.publish(try Fixtures.germanModel(trees: 6), into: dir)
        let probe = ["bench", "--repo", dir.path, "--model", "german_credit", "--data", Fixtures.germanCSV, "--explain-probe", "3"]
        var kernels: [(String?, ExplainKernel)] = [(nil, .best), ("portable", .portable), ("reference", .reference)]
        if ExplainKernel.avx2.isSupported { kernels.append(("avx2", .avx2)) }
        let subset = dir.appendingPathComponent("rows.csv")
        let lines = try String(contentsOfFile: Fixtures.germanCSV, encoding: .utf8).split(separator: "\n").prefix(41)
        try (lines.joined(separator: "\n") + "\n").write(to: subset, atomically: true, encoding: .utf8)
        let explain = ["explain", "--repo", dir.path, "--name", "german_credit", "--data", subset.path, "--json", "--top", "0"]
        var outputs: [ExplainKernel: String] = [:]
        for (variable, kernel) in kernels {
            let text = try ExplainKernelTests.grove(probe, kernel: variable)
            #expect(text.contains("(\(kernel.rawValue) kernel)"), "GROVE_EXPLAIN_ISA=\(variable ?? "unset"): \(text)")
            outputs[kernel] = try ExplainKernelTests.grove(explain, kernel: variable)
        }
        let best = try #require(outputs[.best])
        #expect(best.split(separator: "\n").count == 40)
        for kernel in [ExplainKernel.portable, .avx2] { if let text = outputs[kernel] { #expect(text == best, "\(kernel)") } }
        let reference = try #require(outputs[.reference]).split(separator: "\n")
        for (a, b) in zip(reference, best.split(separator: "\n")) {
            let x = try #require(JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
            let y = try #require(JSONSerialization.jsonObject(with: Data(b.utf8)) as? [String: Any])
            let cx = try #require(x["contributions"] as? [String: Double]), cy = try #require(y["contributions"] as? [String: Double])
            #expect(cx.keys.sorted() == cy.keys.sorted())
            for (k, v) in cx { #expect(abs(v - (cy[k] ?? .nan)) < 1e-12, "\(k)") }
        }
    }
}
