/// The version of this build of rrm-ledger, recorded in new ledgers and printed by `--version`;
/// the Python client (clients/python/pyproject.toml) carries the same number.
public enum RRMLedgerVersion {
    public static let current = "0.9.0"
}
