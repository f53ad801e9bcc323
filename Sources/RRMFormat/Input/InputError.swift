/// Why a stream of JSON Lines could not be read: the source failed, or a line broke a limit.
/// The store turns it into its own error once (`LedgerError.init(_: InputError)`), with the
/// same words; nothing else catches it.
public enum InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or pipe could not be opened or read.
    case unreadable(source: String, detail: String)
    /// A line longer than `JSONLReader.maximumLineBytes`; `line` is 1-based.
    case lineTooLong(line: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let source, let detail): return "cannot read \(source): \(detail)"
        case .lineTooLong(let line, let limit): return "line \(line): line is longer than \(limit) bytes"
        }
    }
}
