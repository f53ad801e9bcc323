/// Why an event was refused: the field at fault (a path such as `targets[1]`, or empty for the
/// event as a whole) and the reason.
public struct EventError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "field \"\(field)\": \(reason)" }
}
