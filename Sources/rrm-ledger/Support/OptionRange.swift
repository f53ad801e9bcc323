import ArgumentParser
import RRMLedger

/// The range of every numeric option (docs/CLI.md, "Option values"), in one place, and one
/// refusal for a value outside it: a usage error (exit 64) naming the option and its range.
/// A value inside its range must never trap, however large (`CommandLineTests`).
enum OptionRange {
    /// Seconds to wait for another writer's lock, at most a day (SQLite's busy timeout counts
    /// milliseconds in 32 bits, which ends near 24.8 days).
    static let waitSeconds: ClosedRange<Double> = 0...Ledger.maximumWaitSeconds
    /// A recursion level, as events declare it.
    static let level: ClosedRange<Int> = 0...EventDecoder.maximumLevel
    /// How many entries to list or show (`--limit`, `--top`).
    static let listed: ClosedRange<Int> = 0...Int(Int32.max)
    /// How many links to follow from an entry.
    static let depth: ClosedRange<Int> = 1...Int(Int32.max)
    /// A sequence number: SQLite's integers are signed 64-bit.
    static let seq: ClosedRange<Int64> = 1...Int64.max
    /// A tree size (a checkpoint's, a proof's), as sequence numbers are bounded.
    /// (Parsed as Int128, so that a value beyond Int64, or below 0, is refused with this range, not a parse error.)
    static let treeSize: ClosedRange<Int128> = 1...Int128(Int64.max)
    /// The seed of a random draw (`demo`, `simulate`, `audit-plan`): any UInt64, parsed as Int128 as tree sizes are.
    static let seed: ClosedRange<Int128> = 0...Int128(UInt64.max)
    /// Events per commit of a streaming append (`--commit-every`).
    static let batchEvents: ClosedRange<Int> = 1...Int(Int32.max)
    /// Seconds between a streaming batch's first event and its commit (`--commit-interval`).
    static let commitInterval: ClosedRange<Double> = 0.001...86_400
    /// Seconds an event's time may lie from the ledger's clock (`append --max-time-skew`): up to
    /// 10,000 years either way, beyond any time an event can hold.
    static let timeSkew: ClosedRange<Double> = 0...315_576_000_000
    /// Events an append's input must hold (`--expect`).
    static let expectedEvents: ClosedRange<Int64> = 0...Int64.max
    /// Threads for `verify`.
    static let workers: ClosedRange<Int> = 1...64
    /// Outputs per level of `demo`.
    static let demoOutputs: ClosedRange<Int> = 1...1_000_000
    /// Audits `audit-plan` may plan.
    static let auditBudget: ClosedRange<Int> = 1...10_000_000
    /// `audit-plan`'s target width of a rate's 95% interval.
    static let rateWidth: ClosedRange<Double> = 0.001...1
    /// `audit-plan`'s target spread of a relative risk's 95% interval (upper over lower; above 1).
    static let ratioSpread: ClosedRange<Double> = 1.001...1_000
    /// The size `simulate --entries` aims at (`--outputs` is bounded by the simulator itself).
    static let simulatedEntries: ClosedRange<Int> = 10...1_000_000_000
}

/// Whole numbers whose range reaches to or past Int64's end (tree sizes, seeds) are read as
/// Int128, so that `-1` and `2^64` both reach `checkOption` and are refused with the range named,
/// not as a value ArgumentParser cannot parse.
extension Int128: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

/// Refuses `value` outside `range`: "--wait must be from 0 to 86,400 seconds, not 1e+10".
func checkOption<Value: BinaryInteger>(_ name: String, _ value: Value?, in range: ClosedRange<Value>, unit: String = "") throws {
    guard let value, !range.contains(value) else { return }
    throw ValidationError(outOfRange(name, from: grouped(range.lowerBound), to: grouped(range.upperBound), unit: unit, not: "\(value)"))
}

/// Refuses a number of seconds or a rate outside `range`, and anything not finite.
func checkOption(_ name: String, _ value: Double?, in range: ClosedRange<Double>, unit: String = "") throws {
    guard let value, !range.contains(value) else { return }
    throw ValidationError(
        outOfRange(name, from: describe(range.lowerBound), to: describe(range.upperBound), unit: unit, not: describe(value)))
}

private func outOfRange(_ name: String, from lower: String, to upper: String, unit: String, not value: String) -> String {
    "\(name) must be from \(lower) to \(upper)\(unit.isEmpty ? "" : " " + unit), not \(value)"
}

/// A whole number of seconds as digits, anything else as Swift prints it.
private func describe(_ value: Double) -> String {
    value.isFinite && value == value.rounded() && abs(value) < 1e15 ? grouped(Int64(value)) : "\(value)"
}
