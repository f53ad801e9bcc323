import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMSimulation
@testable import RRMStore

/// The estimators, against values computed by hand (and by R's prop.test / epitools for checks).
@Suite struct StatisticsTests {
    @Test func wilsonIntervalsMatchHandComputedValues() {
        // 3 of 10: p = 0.3; centre (0.3 + 1.92/10)/(1.384) = 0.3554; half ≈ 0.2476.
        let interval = Proportion(events: 3, trials: 10).interval
        #expect(abs(interval.lowerBound - 0.10779) < 1e-4)
        #expect(abs(interval.upperBound - 0.60324) < 1e-4)
        let none = Proportion(events: 0, trials: 20).interval
        #expect(none.lowerBound == 0)
        #expect(abs(none.upperBound - 0.16113) < 1e-4)
        let all = Proportion(events: 20, trials: 20).interval
        #expect(abs(all.lowerBound - 0.83887) < 1e-4)
        #expect(all.upperBound == 1)
        #expect(Proportion.none.interval == 0...1)
        #expect(Proportion(events: 2, trials: 4) + Proportion(events: 1, trials: 6) == Proportion(events: 3, trials: 10))
    }

    @Test func intervalsNarrowWithMoreTrialsAndStayInsideTheUnitRange() {
        var previous = 1.0
        for trials in [10, 100, 1_000, 10_000] {
            let interval = Proportion(events: trials / 4, trials: trials).interval
            #expect(interval.contains(0.25))
            #expect(interval.upperBound - interval.lowerBound < previous)
            previous = interval.upperBound - interval.lowerBound
        }
    }

    @Test func relativeRiskUsesTheKatzInterval() throws {
        // 20/100 against 10/100: RR 2, se = √(1/20 − 1/100 + 1/10 − 1/100) = √0.13.
        let ratio = try #require(RateRatio.of(Proportion(events: 20, trials: 100), Proportion(events: 10, trials: 100)))
        #expect(abs(ratio.value - 2) < 1e-12)
        let se = 0.13.squareRoot()
        #expect(abs(ratio.interval.lowerBound - 2 * exp(-1.959964 * se)) < 1e-9)
        #expect(abs(ratio.interval.upperBound - 2 * exp(1.959964 * se)) < 1e-9)
        #expect(!ratio.corrected)
        #expect(RateRatio.of(Proportion(events: 1, trials: 2), .none) == nil)
    }

    @Test func aZeroCellIsCorrected() throws {
        // 0/10 against 5/10: (0.5/11)/(5.5/11) = 1/11.
        let ratio = try #require(RateRatio.of(Proportion(events: 0, trials: 10), Proportion(events: 5, trials: 10)))
        #expect(ratio.corrected)
        #expect(abs(ratio.value - 1.0 / 11) < 1e-12)
        #expect(ratio.interval.lowerBound > 0)
    }

    @Test func theTrendSlopeIsTheWeightedLeastSquaresLine() throws {
        // Rates 0.2, 0.3, 0.4 with equal trials: slope 0.1 per level.
        let trend = try #require(
            Trend.of([
                0: Proportion(events: 20, trials: 100), 1: Proportion(events: 30, trials: 100), 2: Proportion(events: 40, trials: 100),
            ]))
        #expect(abs(trend.slope - 0.1) < 1e-12)
        #expect(trend.interval.lowerBound > 0)
        #expect(trend.pValue < 0.01)
        #expect(trend.verdict.hasPrefix("errors compound: the error rate rises by 10.0 points per level"))
        // Flat rates: no clear trend.
        let flat = try #require(
            Trend.of([
                0: Proportion(events: 25, trials: 100), 1: Proportion(events: 26, trials: 100), 2: Proportion(events: 25, trials: 100),
            ]))
        #expect(flat.interval.contains(0))
        #expect(flat.pValue > 0.5)
        #expect(flat.verdict.hasPrefix("no clear trend"))
        // Falling rates.
        let falling = try #require(Trend.of([1: Proportion(events: 50, trials: 100), 2: Proportion(events: 20, trials: 100)]))
        #expect(falling.verdict.hasPrefix("errors shrink with level"))
        #expect(Trend.of([0: Proportion(events: 1, trials: 2)]) == nil)
    }

    @Test func theCochranArmitageStatisticMatchesAHandComputation() throws {
        // Levels 0, 1, 2 with 10/50, 15/50, 25/50: p̄ = 1/3, x̄ = 1, Σn(x−x̄)² = 100,
        // T = Σ(x−x̄)(e − n·p̄) = −(10 − 16.67) + (25 − 16.67) = 15, Var T = (1/3)(2/3)·100.
        let trend = try #require(
            Trend.of([0: Proportion(events: 10, trials: 50), 1: Proportion(events: 15, trials: 50), 2: Proportion(events: 25, trials: 50)]))
        let z = 15 / ((1.0 / 3) * (2.0 / 3) * 100).squareRoot()
        #expect(abs(trend.pValue - erfc(z / 2.0.squareRoot())) < 1e-12)
        #expect(abs(trend.slope - 0.15) < 1e-12)
    }
}
