import Foundation

/// The difference of two independent proportions p₁ − p₂ (a source's error rate against the rest
/// of its kind, the excess risk of a label shown a wrong critique), with Newcombe's hybrid score
/// interval (Newcombe 1998, method 10) and the pooled two-proportion z test of "no difference".
///
/// The interval combines the two Wilson intervals, (l₁, u₁) and (l₂, u₂):
/// d − √((p̂₁ − l₁)² + (u₂ − p̂₂)²) … d + √((u₁ − p̂₁)² + (p̂₂ − l₂)²), d = p̂₁ − p̂₂. It keeps close to
/// 95% coverage on small samples and near 0 or 1, where the Wald interval collapses. The test is
/// not exactly the interval's dual: at the margin one may exclude 0 while the other does not
/// reject; the claim's verdict follows the test.
public struct RateDifference: Sendable, Equatable {
    public let first: Proportion
    public let second: Proportion
    /// p̂₁ − p̂₂.
    public let estimate: Double
    /// The 95% hybrid score interval, within [−1, 1].
    public let interval: ClosedRange<Double>
    /// Two-sided p-value of the pooled z test of p₁ = p₂ (1 when both rates are 0 or both 1).
    public let pValue: Double

    /// `nil` when either side has no trials.
    public static func of(_ first: Proportion, _ second: Proportion) -> RateDifference? {
        guard first.trials > 0, second.trials > 0 else { return nil }
        let p1 = first.rate
        let p2 = second.rate
        let w1 = first.interval
        let w2 = second.interval
        let d = p1 - p2
        let lower = d - ((p1 - w1.lowerBound) * (p1 - w1.lowerBound) + (w2.upperBound - p2) * (w2.upperBound - p2)).squareRoot()
        let upper = d + ((w1.upperBound - p1) * (w1.upperBound - p1) + (p2 - w2.lowerBound) * (p2 - w2.lowerBound)).squareRoot()
        let pooled = (first + second).rate
        let se = (pooled * (1 - pooled) * (1 / Double(first.trials) + 1 / Double(second.trials))).squareRoot()
        let pValue = se == 0 ? 1 : erfc(abs(d / se) / 2.0.squareRoot())
        return RateDifference(
            first: first, second: second, estimate: d, interval: max(-1, lower)...min(1, max(lower, upper)), pValue: pValue)
    }
}
