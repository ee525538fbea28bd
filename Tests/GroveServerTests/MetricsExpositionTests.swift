// MetricsExpositionTests: the text format's escaping, numbers and histograms (a real parser reads
// them in IntegrationTests/MetricsTests).

import Testing
@testable import GroveServer

@Suite struct MetricsExpositionTests {
    @Test func familiesHaveHelpAndTypeBeforeTheirSamples() {
        var e = MetricsExposition()
        e.family("grove_requests_total", .counter, help: "Requests answered.")
        e.sample("grove_requests_total", ["call": "predict", "code": "OK"], UInt64(3))
        #expect(e.text == """
            # HELP grove_requests_total Requests answered.
            # TYPE grove_requests_total counter
            grove_requests_total{call="predict",code="OK"} 3

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var e = MetricsExposition()
        e.family("x", .gauge, help: "a \\ b\nc")
        e.sample("x", ["model": "we\"ird\\na\nme"], 1.5)
        #expect(e.text.contains("# HELP x a \\\\ b\\nc\n"))
        #expect(e.text.contains("x{model=\"we\\\"ird\\\\na\\nme\"} 1.5\n"))
    }

    @Test func numbersUseGoSpellings() {
        #expect(MetricsExposition.format(42) == "42")
        #expect(MetricsExposition.format(0.25) == "0.25")
        #expect(MetricsExposition.format(1e-05) == "1e-05")
        #expect(MetricsExposition.format(.infinity) == "+Inf")
        #expect(MetricsExposition.format(-.infinity) == "-Inf")
        #expect(MetricsExposition.format(.nan) == "NaN")
        #expect(MetricsExposition.format(1e300) == "1e+300")
    }

    @Test func histogramBucketsAreCumulativeAndEndWithInf() {
        var e = MetricsExposition()
        e.family("h_seconds", .histogram, help: "h")
        e.histogram("h_seconds", [("model", "m")], bounds: [0.5, 1], counts: [2, 3, 4], sum: 7.5)
        #expect(e.text.hasSuffix("""
            h_seconds_bucket{model="m",le="0.5"} 2
            h_seconds_bucket{model="m",le="1"} 5
            h_seconds_bucket{model="m",le="+Inf"} 9
            h_seconds_sum{model="m"} 7.5
            h_seconds_count{model="m"} 9

            """))
    }

    @Test func namesAreChecked() {
        #expect(MetricsExposition.isValidName("grove_up"))
        #expect(MetricsExposition.isValidName("a:b_c9"))
        #expect(!MetricsExposition.isValidName("9a"))
        #expect(!MetricsExposition.isValidName("a-b"))
        #expect(!MetricsExposition.isValidName(""))
    }
}
