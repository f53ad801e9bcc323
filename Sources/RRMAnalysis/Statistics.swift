import Foundation

/// A count of events among trials, estimated with a 95% Wilson score interval: audits are
/// samples, so every rate is an estimate. (Wilson rather than the normal approximation because
/// it stays inside [0, 1] and behaves with few trials or rates near 0.)
public struct Proportion: Sendable, Equatable {
    public let events: Int
    public let trials: Int

    public init(events: Int, trials: Int) {
        self.events = events
        self.trials = trials
    }

    /// The observed rate; 0 when there were no trials.
    public var rate: Double { trials == 0 ? 0 : Double(events) / Double(trials) }

    /// The 95% Wilson score interval; (0, 1) when there were no trials.
    public var interval: ClosedRange<Double> { wilson(z: 1.959964) }

    /// The Wilson score interval for quantile `z`.
    public func wilson(z: Double) -> ClosedRange<Double> {
        guard trials > 0 else { return 0...1 }
        let n = Double(trials)
        let p = rate
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, centre - half)...min(1, centre + half)
    }

    public static func + (a: Proportion, b: Proportion) -> Proportion {
        Proportion(events: a.events + b.events, trials: a.trials + b.trials)
    }

    public static let none = Proportion(events: 0, trials: 0)
}

/// A ratio of two rates with its 95% interval (relative risk, amplification).
public struct RateRatio: Sendable, Equatable {
    public let value: Double
    public let interval: ClosedRange<Double>
    /// Whether 0.5 was added to every cell because one was zero (Haldane–Anscombe).
    public let corrected: Bool

    /// The ratio of the rate in `numerator` to the rate in `denominator`, with the Katz
    /// log interval; `nil` when either group has no trials.
    public static func of(_ numerator: Proportion, _ denominator: Proportion) -> RateRatio? {
        guard numerator.trials > 0, denominator.trials > 0 else { return nil }
        var a = Double(numerator.events)
        var n1 = Double(numerator.trials)
        var c = Double(denominator.events)
        var n2 = Double(denominator.trials)
        let corrected = a == 0 || c == 0 || a == n1 || c == n2
        if corrected {
            a += 0.5
            c += 0.5
            n1 += 1
            n2 += 1
        }
        let ratio = (a / n1) / (c / n2)
        let se = (1 / a - 1 / n1 + 1 / c - 1 / n2).squareRoot()
        let z = 1.959964
        return RateRatio(value: ratio, interval: ratio * exp(-z * se)...ratio * exp(z * se), corrected: corrected)
    }
}

/// The linear trend of a rate across ordered groups (levels): the change per step estimated by
/// weighted least squares, with a 95% interval, and the Cochran–Armitage test of "no trend".
public struct Trend: Sendable, Equatable {
    /// Change in the rate per level (0.02 = two percentage points per level).
    public let slope: Double
    public let interval: ClosedRange<Double>
    /// Two-sided p-value of the Cochran–Armitage test.
    public let pValue: Double
    /// Levels that contributed (with at least one trial).
    public let levels: Int

    /// The trend of `rates` (level → proportion); `nil` with fewer than two levels having trials.
    public static func of(_ rates: [Int: Proportion]) -> Trend? {
        let groups = rates.filter { $0.value.trials > 0 }.sorted { $0.key < $1.key }
        guard groups.count >= 2 else { return nil }
        let n = groups.map { Double($0.value.trials) }
        let x = groups.map { Double($0.key) }
        let events = groups.map { Double($0.value.events) }
        let total = n.reduce(0, +)
        let xBar = zip(n, x).map(*).reduce(0, +) / total
        let pBar = events.reduce(0, +) / total
        let sxx = zip(n, x).map { $0 * ($1 - xBar) * ($1 - xBar) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        let sxy = zip(zip(n, x), events).map { pair, e in (pair.1 - xBar) * (e - pair.0 * pBar) }.reduce(0, +)
        let slope = sxy / sxx
        // Heteroscedastic (per-level binomial) variance of the weighted least-squares slope.
        var variance = 0.0
        for ((ni, xi), ei) in zip(zip(n, x), events) {
            let p = ei / ni
            variance += ni * (xi - xBar) * (xi - xBar) * p * (1 - p)
        }
        variance /= sxx * sxx
        let half = 1.959964 * variance.squareRoot()
        // Cochran–Armitage: T = Σ (x − x̄)(e − n·p̄), Var T = p̄(1 − p̄) Σ n (x − x̄)².
        let statisticVariance = pBar * (1 - pBar) * sxx
        let z = statisticVariance > 0 ? sxy / statisticVariance.squareRoot() : 0
        return Trend(slope: slope, interval: (slope - half)...(slope + half), pValue: erfc(abs(z) / 2.0.squareRoot()), levels: groups.count)
    }

    /// The trend in plain words.
    public var verdict: String {
        let perLevel = String(format: "%.1f", slope * 100)
        let bounds = String(format: "%.1f to %.1f", interval.lowerBound * 100, interval.upperBound * 100)
        if interval.lowerBound > 0 {
            return "errors compound: the error rate rises by \(perLevel) points per level (95% CI \(bounds); \(Self.format(pValue)))"
        }
        if interval.upperBound < 0 {
            return
                "errors shrink with level: the error rate falls by \(String(format: "%.1f", -slope * 100)) points per level (95% CI \(bounds); \(Self.format(pValue)))"
        }
        return "no clear trend: \(perLevel) points per level, and the 95% CI (\(bounds)) includes no change; audit more to tell"
    }

    static func format(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p)
    }
}
