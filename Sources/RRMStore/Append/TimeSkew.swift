import Foundation
import RRMFormat

/// How far an event's claimed time lies from the ledger's clock (`append --max-time-skew`).
enum TimeSkew {
    /// Why `time` is refused under `limit` seconds of skew, or `nil` when it is within it.
    static func problem(_ time: String, limit: Double, clock: String = Timestamp.now()) -> String? {
        guard let claimed = Timestamp.secondsSinceEpoch(time), let now = Timestamp.secondsSinceEpoch(clock) else { return nil }
        let skew = claimed - now
        guard abs(skew) > limit else { return nil }
        return "\(time) is \(duration(abs(skew))) \(skew > 0 ? "after" : "before") the ledger's clock (\(clock)); "
            + "--max-time-skew allows \(duration(limit))"
    }

    /// A duration in the largest unit that keeps it readable.
    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: return String(format: "%g s", (seconds * 1000).rounded() / 1000)
        case ..<7200: return String(format: "%.1f minutes", seconds / 60)
        case ..<172_800: return String(format: "%.1f hours", seconds / 3600)
        case ..<63_115_200: return String(format: "%.1f days", seconds / 86400)
        default: return String(format: "%.1f years", seconds / 31_557_600)
        }
    }
}
