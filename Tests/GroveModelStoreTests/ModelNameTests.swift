// ModelNameTests: names and versions that can and cannot become paths.

import GroveModelStore
import Testing

@Suite struct ModelNameTests {
    @Test func acceptsTheDocumentedAlphabet() {
        for name in ["german_credit", "credit-v2", "A.b_c-9", String(repeating: "x", count: 128)] {
            #expect(ModelName.isValid(name), "\(name)")
        }
    }

    @Test func refusesAnythingThatCouldLeaveTheRepository() {
        for name in ["", ".", "..", "../etc", "a/b", "a\\b", "/abs", "a b", "naïve", "a\0b", String(repeating: "x", count: 129), "~root"] {
            #expect(!ModelName.isValid(name), "\(name)")
        }
    }

    @Test func versionsArePositiveIntegersWithoutLeadingZeros() {
        #expect(ModelName.version("1") == 1)
        #expect(ModelName.version("42") == 42)
        for bad in ["0", "01", "-1", "1a", "", "99999999999999999999", "+3", " 3"] {
            #expect(ModelName.version(bad) == nil, "\(bad)")
        }
    }
}
