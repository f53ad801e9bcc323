/// Facts about the on-disk schema that the code relies on. The schema itself is Schema/ledger.sql.
public enum LedgerSchema {
    /// The schema version this build writes and reads (`PRAGMA user_version`).
    public static let version = 1
    /// `PRAGMA application_id` of every ledger: "RRML".
    public static let applicationID: Int32 = 0x5252_4D4C
    /// The format name recorded in `ledger_info`.
    public static let formatName = "rrm-ledger/1"
}
