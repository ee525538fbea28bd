// ServingPolicyTests: the serving file's grammar and version selection.

import Testing
@testable import GroveServer

@Suite struct ServingPolicyTests {
    @Test func defaultsServeTheLatestSixteen() {
        let p = ServingPolicy()
        #expect(p.select(Array(1...20)) == Set(5...20))
        #expect(p.labels.isEmpty)
    }

    @Test func readsLatestVersionsAndLabels() {
        let p = ServingPolicy(text: "# comment\nlatest 2\nlabel stable 3 # pinned\nlabel canary 4\n\n")
        #expect(p.selection == .latest(2))
        #expect(p.labels == ["stable": 3, "canary": 4])
        #expect(p.problems.isEmpty)
        #expect(p.select([1, 2, 3, 4]) == [3, 4])
        let q = ServingPolicy(text: "versions 1 3\n")
        #expect(q.select([1, 2, 3, 4]) == [1, 3])
    }

    @Test func badLinesAreReportedAndIgnored() {
        let p = ServingPolicy(text: "latest zero\nlabel ../x 1\nversions 1 two\nlabel ok 0\nfrobnicate\nlatest 3\n")
        #expect(p.problems.count == 5)
        #expect(p.problems[0].hasPrefix("line 1:"))
        #expect(p.selection == .latest(3))
        #expect(p.labels.isEmpty)
    }
}
