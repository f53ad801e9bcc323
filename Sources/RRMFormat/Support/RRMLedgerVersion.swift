/// The version of this build of rrm-ledger, recorded in new ledgers and printed by `--version`.
public enum RRMLedgerVersion {
    public static let current = "0.1.0"
}
