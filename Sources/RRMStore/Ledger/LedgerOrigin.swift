import RRMFormat

/// The name a ledger gives itself in its signed checkpoints (the C2SP checkpoint's origin line):
/// `rrm-ledger/` followed by a random 128-bit id in lowercase hex, chosen once at `init`.
///
/// A checkpoint's signature covers its origin line, but a key may sign for several logs, so an
/// auditor checks the origin as well as the signature: a genuine checkpoint of another ledger
/// signed by the same key must not pass for this one.
public enum LedgerOrigin {
    /// What every origin starts with.
    public static let prefix = "rrm-ledger/"

    /// The `ledger_info` key the origin is stored under.
    static let infoKey = "origin"

    /// A new origin with 128 bits from the system's secure random source.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Hex.encode(bytes)
    }

    /// The origin made into a valid signed-note key name: "+", spaces and control characters
    /// become "-". An origin as `generate()` makes it is already one, and stays as it is.
    public static func keyName(for origin: String) -> String {
        let scalars = origin.unicodeScalars.map { scalar -> Unicode.Scalar in
            scalar == "+" || scalar.value < 0x20 || scalar.properties.isWhitespace ? "-" : scalar
        }
        let name = String(String.UnicodeScalarView(scalars))
        return name.isEmpty ? "rrm-ledger" : name
    }
}
