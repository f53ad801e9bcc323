/// Why a simulation stopped, apart from the ledger's own errors (which pass through as
/// `LedgerError`s).
public enum SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The events file or the truth file could not be created or written.
    case cannotWrite(path: String, detail: String)
    /// The events file or the truth file exists, and replacing it was not asked for (`--force`).
    case exists(path: String)
    /// The generator's consumer stopped taking batches (the append failed); the caller throws
    /// the append's error, so this one is seen only by the generator's thread.
    case abandoned

    public var description: String {
        switch self {
        case .cannotWrite(let path, let detail): return "cannot write \(path): \(detail)"
        case .exists(let path): return "\(path) already exists; refusing to overwrite it (--force replaces it)"
        case .abandoned: return "the simulation was abandoned"
        }
    }
}
