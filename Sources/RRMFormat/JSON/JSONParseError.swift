/// Why a JSON text was rejected, and the byte offset (0-based) where the problem starts.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset of the offending byte from the start of the text.
    public let offset: Int
    /// What is wrong, in words an operator understands.
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "byte \(offset + 1): \(reason)" }
}
