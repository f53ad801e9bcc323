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

    /// Audits sampled without replacement from a level's N entries: Wilson's interval with the
    /// finite-population factor (N − n)/(N − 1) on the variance (30 of 100 from 1,000, computed
    /// by hand: z = 1.959964·√(900/999)); a census is exact; a huge population changes nothing.
    @Test func finitePopulationIntervalsMatchHandComputedValues() {
        let sample = Proportion(events: 30, trials: 100)
        let interval = sample.interval(sampledFrom: 1_000)
        #expect(abs(interval.lowerBound - 0.222611019654) < 1e-9)
        #expect(abs(interval.upperBound - 0.390769022428) < 1e-9)
        #expect(interval.upperBound - interval.lowerBound < sample.interval.upperBound - sample.interval.lowerBound)
        #expect(Proportion(events: 3, trials: 10).interval(sampledFrom: 10) == 0.3...0.3)
        let huge = sample.interval(sampledFrom: 1_000_000_000)
        #expect(abs(huge.lowerBound - sample.interval.lowerBound) < 1e-6)
        // No population to speak of, or fewer entries than audits (an edited ledger): the plain interval.
        #expect(sample.interval(sampledFrom: 0) == sample.interval)
        #expect(sample.interval(sampledFrom: 50) == sample.interval)
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

    /// Koopman's score interval, against Koopman's (1984) own example and small cells solved
    /// independently (scipy: the constrained likelihood maximised numerically, the root by brentq).
    @Test func ratioUsesKoopmansScoreInterval() throws {
        func check(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int, _ estimate: Double, _ low: Double, _ high: Double, _ p: Double) throws {
            let ratio = try #require(RiskRatio.of(Proportion(events: x1, trials: n1), Proportion(events: x2, trials: n2)))
            #expect(abs(ratio.estimate - estimate) < 1e-9 || ratio.estimate == estimate, "\(x1)/\(n1) vs \(x2)/\(n2)")
            #expect(abs(ratio.interval.lowerBound - low) < 1e-5 * max(1, low), "\(x1)/\(n1) vs \(x2)/\(n2): \(ratio.interval)")
            #expect(
                ratio.interval.upperBound == high || abs(ratio.interval.upperBound - high) < 1e-5 * max(1, high),
                "\(x1)/\(n1) vs \(x2)/\(n2): \(ratio.interval)")
            #expect(abs(ratio.pValue - p) < 1e-6 * max(1, p / 1e-6), "\(x1)/\(n1) vs \(x2)/\(n2): p \(ratio.pValue)")
        }
        try check(36, 40, 16, 80, 4.5, 2.939569, 7.152223, 2.99322e-13)  // Koopman 1984: 2.94–7.15
        try check(1, 1, 2, 5, 2.5, 0.430899, 8.501900, 0.273322)  // one exposed label, wrong: no 1.51–7.79 Katz overconfidence
        try check(3, 4, 1, 10, 7.5, 1.388915, 43.999519, 0.015013)
        try check(20, 100, 10, 100, 2.0, 1.006817, 4.023757, 0.047670)
        try check(0, 10, 5, 10, 0, 0, 0.612861, 0.009823)  // no events in the numerator: the lower bound is 0
        try check(2, 3, 0, 6, .infinity, 1.320972, .infinity, 0.023342)  // none in the denominator: unbounded above
    }

    @Test func ratioTestAgreesWithItsInterval() throws {
        // The interval excludes 1 exactly when the score test's p is below 0.05, on every small table.
        for x1 in 0...6 {
            for x2 in 0...6 where x1 + x2 > 0 {
                let ratio = try #require(RiskRatio.of(Proportion(events: x1, trials: 6), Proportion(events: x2, trials: 9)))
                #expect(ratio.interval.contains(1) == (ratio.pValue >= 0.05), "\(x1)/6 vs \(x2)/9: \(ratio.interval) p \(ratio.pValue)")
                #expect(ratio.interval.contains(ratio.estimate) || !ratio.estimate.isFinite)
            }
        }
        #expect(RiskRatio.of(Proportion(events: 0, trials: 5), Proportion(events: 0, trials: 5)) == nil)
        #expect(RiskRatio.of(Proportion(events: 1, trials: 2), .none) == nil)
    }

    @Test func homogeneityIsPearsonsChiSquare() throws {
        // 10, 15, 25 of 50: pooled 1/3; Σ (x − 50/3)² / (50/3 · 2/3) = 10.5 on 2 df, p = 0.0052475.
        let test = try #require(
            Homogeneity.of([Proportion(events: 10, trials: 50), Proportion(events: 15, trials: 50), Proportion(events: 25, trials: 50)]))
        #expect(abs(test.statistic - 10.5) < 1e-9)
        #expect(test.degreesOfFreedom == 2)
        #expect(abs(test.pValue - 0.0052475184) < 1e-8)
        #expect(Homogeneity.of([Proportion(events: 1, trials: 2)]) == nil)
        #expect(Homogeneity.of([Proportion(events: 0, trials: 2), Proportion(events: 0, trials: 3)]) == nil)
        // The survival function on both of its branches (scipy.stats.chi2.sf).
        #expect(abs(chiSquareSurvival(30, 1) - 4.32046306e-8) < 1e-14)
        #expect(abs(chiSquareSurvival(0.5, 3) - 0.91889141) < 1e-7)
        #expect(abs(chiSquareSurvival(12, 5) - 0.03478778) < 1e-7)
    }

    @Test func holmAdjustsStepDown() {
        // Sorted 0.01, 0.02, 0.03, 0.5 of 4: 0.04, 0.06, 0.06 (monotone), 0.5; back in input order.
        let adjusted = holmAdjusted([0.03, 0.5, 0.01, 0.02])
        let expected = [0.06, 0.5, 0.04, 0.06]
        for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-12, "\(adjusted)") }
        #expect(holmAdjusted([0.4, 0.9]) == [0.8, 0.9])
        #expect(holmAdjusted([]) == [])
    }

    @Test func rateDifferenceUsesNewcombesHybridScoreInterval() throws {
        // Newcombe (1998), Table II, method 10: 56/70 − 48/80 → 0.0524–0.3339; 9/10 − 3/10 →
        // 0.1705–0.8090; 5/56 − 0/29 → −0.0381–0.1926.
        let cases: [(Proportion, Proportion, Double, Double)] = [
            (Proportion(events: 56, trials: 70), Proportion(events: 48, trials: 80), 0.0524, 0.3339),
            (Proportion(events: 9, trials: 10), Proportion(events: 3, trials: 10), 0.1705, 0.8090),
            (Proportion(events: 5, trials: 56), Proportion(events: 0, trials: 29), -0.0381, 0.1926),
        ]
        for (first, second, low, high) in cases {
            let difference = try #require(RateDifference.of(first, second))
            #expect(abs(difference.estimate - (first.rate - second.rate)) < 1e-12)
            #expect(abs(difference.interval.lowerBound - low) < 5e-5, "\(difference.interval)")
            #expect(abs(difference.interval.upperBound - high) < 5e-5, "\(difference.interval)")
        }
        // The pooled z test: 9/10 vs 3/10, pooled 0.6, z = 0.6/√(0.24·0.2) = 2.7386, p = 0.006170.
        let test = try #require(RateDifference.of(Proportion(events: 9, trials: 10), Proportion(events: 3, trials: 10)))
        #expect(abs(test.pValue - 0.006170) < 1e-6)
        #expect(RateDifference.of(Proportion(events: 1, trials: 2), .none) == nil)
        #expect(RateDifference.of(Proportion(events: 0, trials: 5), Proportion(events: 0, trials: 9))?.pValue == 1)
    }

    @Test func jeffreysPosteriorDrawsHaveTheBetaMean() {
        // Beta(3.5, 7.5) has mean 3.5/11 = 0.31818 and sd √(3.5·7.5/(11²·12)) = 0.13474.
        var posterior = JeffreysPosterior(seed: 5)
        let draws = (0..<20_000).map { _ in posterior.draw(Proportion(events: 3, trials: 10)) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)).squareRoot()
        #expect(abs(mean - 0.31818) < 0.005, "\(mean)")
        #expect(abs(sd - 0.13474) < 0.005, "\(sd)")
        #expect(draws.allSatisfy { $0 > 0 && $0 < 1 })
        // The same seed gives the same interval.
        var a = JeffreysPosterior(seed: 9)
        var b = JeffreysPosterior(seed: 9)
        let one = a.interval { $0.draw(Proportion(events: 1, trials: 4)) }
        #expect(one == b.interval { $0.draw(Proportion(events: 1, trials: 4)) })
        #expect(one.lowerBound < 0.25 && one.upperBound > 0.25)
    }

    @Test func raterTestPermutesSmallCellsAndUsesChiSquareOnLargeOnes() throws {
        // Small cells: b 2/3, c 0/1. Every split of the four verdicts between 3 and 1 labels gives
        // χ² = 4/3, so the permutation p-value is 1.
        let small = try #require(RaterRates.of(level: 1, verdicts: ["b": [true, true, false], "c": [false]]))
        #expect(small.permuted)
        #expect(abs(small.statistic - 4.0 / 3) < 1e-12)
        #expect(small.pValue == 1)
        #expect(small.raters.map(\.rater) == ["b", "c"])
        // Large cells: 30/100 against 50/100 → χ² = 8.3333 on 1 df, p = 0.003892 (asymptotic).
        let large = try #require(
            RaterRates.of(
                level: 2,
                verdicts: [
                    "a": Array(repeating: true, count: 30) + Array(repeating: false, count: 70),
                    "b": Array(repeating: true, count: 50) + Array(repeating: false, count: 50),
                ]))
        #expect(!large.permuted)
        #expect(abs(large.statistic - 8.3333) < 1e-3)
        #expect(abs(large.pValue - 0.003892) < 1e-5)
        // A lopsided small case: 5/5 against 0/5; of the C(10,5) = 252 splits only 2 are as
        // extreme, so p ≈ 2/252 = 0.0079 (Monte Carlo, ± about 0.004).
        let lopsided = try #require(
            RaterRates.of(level: 3, verdicts: ["a": Array(repeating: true, count: 5), "b": Array(repeating: false, count: 5)]))
        #expect(lopsided.permuted)
        #expect(abs(lopsided.pValue - 2.0 / 252) < 0.006, "\(lopsided.pValue)")
        #expect(RaterRates.of(level: 0, verdicts: ["only": [true, false]]) == nil)
    }
}
