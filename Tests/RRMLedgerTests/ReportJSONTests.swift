import Testing

@testable import RRMRendering

/// The report's JSON numbers: six significant digits, so small p-values survive.
@Suite struct ReportJSONTests {
    @Test func roundsToSixSignificantDigitsNotSixDecimalPlaces() {
        #expect(rounded(3.14159265) == 3.14159)
        #expect(rounded(0.254321987) == 0.254322)
        // Six decimal places would print these as 0: a p-value must stay what it is.
        #expect(rounded(3.123456789e-9) == 3.12346e-9)
        #expect(rounded(-4.99e-7) == -4.99e-7)
        #expect(rounded(0) == 0)
        #expect(rounded(123456789) == 123457000)
        #expect(rounded(.infinity) == .infinity)
    }
}
