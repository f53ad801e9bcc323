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

    /// The 95% Wilson score interval for the rate of a finite population of `population` entries
    /// of which these trials are a simple random sample (without replacement): the variance has
    /// the factor (N − n)/(N − 1), so z shrinks by its square root. The estimand is then the rate
    /// of those N entries, not of an endless process: at a 10% audit rate the plain interval is
    /// about 5% too wide and covers about 96% (docs/ANALYSIS.md, section 3). A census (n = N) is
    /// exact.
    public func interval(sampledFrom population: Int) -> ClosedRange<Double> {
        guard trials > 0, population > 1, trials <= population else { return interval }
        let correction = Double(population - trials) / Double(population - 1)
        return wilson(z: 1.959964 * correction.squareRoot())
    }

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

/// The ratio of two independent proportions p₁/p₂ (a relative risk, a step between levels), with
/// Koopman's score interval and the score test of "ratio 1" that matches it (docs/ANALYSIS.md,
/// "Ratios of two rates").
///
/// The interval is every θ the score test does not reject at 5%: Z(θ)² ≤ 1.96², with
/// Z(θ) = (p̂₁ − θ·p̂₂) / √(p̃₁(1 − p̃₁)/n₁ + θ²·p̃₂(1 − p̃₂)/n₂), where p̃₂ is the maximum
/// likelihood estimate of p₂ under p₁ = θ·p₂ and p̃₁ = θ·p̃₂. At θ = 1, p̃ is the pooled rate and Z
/// is the usual two-proportion z statistic, so the interval excludes 1 exactly when p < 0.05.
/// Unlike the Katz log interval it needs no correction for empty cells and keeps its coverage on
/// cells of a few events.
public struct RiskRatio: Sendable, Equatable {
    public let numerator: Proportion
    public let denominator: Proportion
    /// p̂₁/p̂₂; `.infinity` when the denominator has no events.
    public let estimate: Double
    /// The 95% score interval; its upper bound is `.infinity` when the denominator has no events,
    /// its lower bound 0 when the numerator has none.
    public let interval: ClosedRange<Double>
    /// Two-sided p-value of the score test of θ = 1.
    public let pValue: Double

    static let z95 = 1.959964

    /// The ratio of `numerator`'s rate to `denominator`'s; `nil` when either has no trials or
    /// neither has an event (the ratio is then 0/0).
    public static func of(_ numerator: Proportion, _ denominator: Proportion) -> RiskRatio? {
        guard numerator.trials > 0, denominator.trials > 0, numerator.events + denominator.events > 0 else { return nil }
        let x1 = Double(numerator.events)
        let n1 = Double(numerator.trials)
        let x2 = Double(denominator.events)
        let n2 = Double(denominator.trials)
        let estimate = x2 == 0 ? Double.infinity : (x1 / n1) / (x2 / n2)
        let z = z95
        // Z(θ) decreases in θ: the lower bound solves Z = z below the estimate, the upper Z = −z above it.
        let lower = x1 == 0 ? 0 : root(of: { score(x1, n1, x2, n2, $0) - z }, below: estimate)
        let upper = x2 == 0 ? Double.infinity : root(of: { score(x1, n1, x2, n2, $0) + z }, above: estimate)
        let atOne = score(x1, n1, x2, n2, 1)
        let pValue = atOne.isNaN ? 1 : erfc(abs(atOne) / 2.0.squareRoot())
        return RiskRatio(
            numerator: numerator, denominator: denominator, estimate: estimate, interval: lower...max(lower, upper), pValue: pValue)
    }

    /// The score statistic Z(θ) of the type's documentation.
    static func score(_ x1: Double, _ n1: Double, _ x2: Double, _ n2: Double, _ theta: Double) -> Double {
        // p̃₂ is the smaller root of Nθ·p² − (θn₁ + x₁ + n₂ + θx₂)·p + (x₁ + x₂) = 0.
        let a = (n1 + n2) * theta
        let b = -(theta * n1 + x1 + n2 + theta * x2)
        let c = x1 + x2
        let discriminant = max(0, b * b - 4 * a * c)
        let p2 = min(1, max(0, (-b - discriminant.squareRoot()) / (2 * a)))
        let p1 = min(1, theta * p2)
        let difference = x1 / n1 - theta * x2 / n2
        let variance = p1 * (1 - p1) / n1 + theta * theta * p2 * (1 - p2) / n2
        if variance <= 0 {
            return difference == 0 ? .nan : (difference > 0 ? .infinity : -.infinity)
        }
        return difference / variance.squareRoot()
    }

    /// The θ in (0, `start`] where the decreasing `f` crosses 0 (0 if it stays positive), by bisection on log θ.
    private static func root(of f: (Double) -> Double, below start: Double) -> Double {
        let high = log(start.isFinite ? start : 1e12)
        var low = high - 1
        while f(exp(low)) < 0 {
            low -= 1
            if low < -60 { return 0 }
        }
        return bisect(f, low, high)
    }

    /// The θ in [`start`, ∞) where the decreasing `f` crosses 0, by bisection on log θ.
    private static func root(of f: (Double) -> Double, above start: Double) -> Double {
        let low = log(max(start, 1e-12))
        var high = low + 1
        while f(exp(high)) > 0 {
            high += 1
            if high > 60 { return .infinity }
        }
        return bisect(f, low, high)
    }

    /// Bisection between `low` (f > 0) and `high` (f < 0) on log θ, to about 1e-12 relative.
    private static func bisect(_ f: (Double) -> Double, _ low: Double, _ high: Double) -> Double {
        var low = low
        var high = high
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if f(exp(middle)) > 0 { low = middle } else { high = middle }
            if high - low < 1e-13 { break }
        }
        return exp((low + high) / 2)
    }
}

/// Pearson's χ² test that several independent proportions are equal (rates across levels),
/// with k − 1 degrees of freedom for k groups.
public struct Homogeneity: Sendable, Equatable {
    public let statistic: Double
    public let degreesOfFreedom: Int
    public let pValue: Double

    /// The test over the groups with trials; `nil` with fewer than two such groups or when the
    /// pooled rate is 0 or 1 (every group then agrees).
    public static func of(_ groups: [Proportion]) -> Homogeneity? {
        let groups = groups.filter { $0.trials > 0 }
        guard groups.count >= 2 else { return nil }
        let pooled = groups.reduce(Proportion.none, +)
        let p = pooled.rate
        guard p > 0, p < 1 else { return nil }
        var statistic = 0.0
        for group in groups {
            let expected = Double(group.trials) * p
            let difference = Double(group.events) - expected
            statistic += difference * difference / (expected * (1 - p))
        }
        let df = groups.count - 1
        return Homogeneity(statistic: statistic, degreesOfFreedom: df, pValue: chiSquareSurvival(statistic, df))
    }
}

/// P(χ²_df > x): the regularized upper incomplete gamma function Q(df/2, x/2), by its series
/// below a + 1 and its continued fraction above (Numerical Recipes, gammq).
func chiSquareSurvival(_ x: Double, _ df: Int) -> Double {
    guard x > 0 else { return 1 }
    let a = Double(df) / 2
    let t = x / 2
    let logPrefix = -t + a * log(t) - lgamma(a)
    if t < a + 1 {
        var term = 1 / a
        var sum = term
        var n = a
        for _ in 0..<1000 {
            n += 1
            term *= t / n
            sum += term
            if abs(term) < abs(sum) * 1e-15 { break }
        }
        return max(0, 1 - sum * exp(logPrefix))
    }
    let tiny = 1e-300
    var b = t + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1...1000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny { d = tiny }
        c = b + an / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15 { break }
    }
    return min(1, exp(logPrefix) * h)
}

/// Holm's step-down adjustment of p-values: the k-th smallest of m becomes
/// max over j ≤ k of min(1, (m − j + 1)·p₍ⱼ₎). Rejecting every hypothesis whose adjusted p-value
/// is below α keeps the family-wise error rate at α whatever the dependence between the tests.
public func holmAdjusted(_ pValues: [Double]) -> [Double] {
    let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
    var adjusted = [Double](repeating: 1, count: pValues.count)
    var running = 0.0
    for (rank, index) in order.enumerated() {
        running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
        adjusted[index] = running
    }
    return adjusted
}
