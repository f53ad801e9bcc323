import Foundation
import RRMFormat

/// Draws from the Jeffreys posterior Beta(x + ½, n − x + ½) of an audited rate, for intervals of
/// products of rates (a critic's induced label errors, docs/ANALYSIS.md, "Sources") where no
/// closed form keeps its coverage. Seeded, so a report is reproducible.
struct JeffreysPosterior {
    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    /// One draw of the rate behind `proportion`.
    mutating func draw(_ proportion: Proportion) -> Double {
        let a = Double(proportion.events) + 0.5
        let b = Double(proportion.trials - proportion.events) + 0.5
        let x = gamma(a)
        let y = gamma(b)
        return x / (x + y)
    }

    /// Equal-tailed 95% interval of `statistic` over `draws` posterior draws.
    mutating func interval(draws: Int = 4_000, _ statistic: (inout JeffreysPosterior) -> Double) -> ClosedRange<Double> {
        var values = (0..<draws).map { _ in statistic(&self) }
        values.sort()
        let low = values[Int(0.025 * Double(draws - 1))]
        let high = values[Int((0.975 * Double(draws - 1)).rounded(.up))]
        return low...high
    }

    /// A Gamma(shape, 1) draw (Marsaglia and Tsang 2000; shapes below 1 boosted by U^(1/shape)).
    private mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 {
            let u = max(random.unit(), 0x1p-53)
            return gamma(shape + 1) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = random.normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = random.unit()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, 0x1p-53)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
