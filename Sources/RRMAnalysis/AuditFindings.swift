import GRDB
import RRMStore

/// What the audits say, per entry: the verdict of the latest finding about it (later findings
/// supersede earlier ones) and its error type. Also, for audited critiques, whether the critique
/// claimed a flaw (it lists findings), which the assistance analysis needs.
public struct AuditFindings: Sendable {
    /// The verdict of the latest finding about each audited entry.
    public enum Verdict: UInt8, Sendable {
        case correct = 1
        case erroneous = 2
    }

    /// Latest verdict per sequence number (0 = not audited), indexed by seq.
    let verdicts: [UInt8]
    /// Error types of entries whose latest finding says erroneous.
    let errorTypes: [Int64: String]
    /// Audited critiques that claim at least one flaw.
    let critiquesClaimingFlaws: Set<Int64>

    func verdict(of seq: Int64) -> Verdict? { Verdict(rawValue: verdicts[Int(seq)]) }
    func isAudited(_ seq: Int64) -> Bool { verdicts[Int(seq)] != 0 }
    func isErroneous(_ seq: Int64) -> Bool { verdicts[Int(seq)] == Verdict.erroneous.rawValue }

    /// Entries whose latest finding says erroneous, in sequence order.
    var erroneous: [Int64] {
        verdicts.indices.filter { verdicts[$0] == Verdict.erroneous.rawValue }.map { Int64($0) }
    }

    /// Reads the findings of a ledger of `count` entries.
    static func load(from ledger: Ledger, count: Int) throws(LedgerError) -> AuditFindings {
        try ledger.read { db in
            var verdicts = [UInt8](repeating: 0, count: count + 1)
            var types: [Int64: String] = [:]
            // Findings in sequence order, so the last one about an entry wins.
            let rows = try RawStatement(
                db,
                """
                SELECT e.parent, json_extract(f.body, '$.verdict'), json_extract(f.body, '$.error_type')
                FROM edge e JOIN entry f ON f.seq = e.child WHERE e.role = 'about' AND e.child <= ? ORDER BY e.child
                """)
            // Only findings within the analysed entries: one recorded later is not in this snapshot.
            rows.bind(1, Int64(count))
            while try rows.step() {
                let about = Int(rows.int64(0))
                // The graph refuses links outside 1…count before findings are read; this holds on its own too.
                guard about >= 1, about <= count else { continue }
                let erroneous = rows.string(1) == "erroneous"
                verdicts[about] = erroneous ? Verdict.erroneous.rawValue : Verdict.correct.rawValue
                types[Int64(about)] = erroneous ? (rows.isNull(2) ? "unspecified" : rows.string(2)) : nil
            }
            rows.reset()
            var claiming = Set<Int64>()
            let critiques = try RawStatement(
                db,
                """
                SELECT c.seq FROM entry c WHERE c.kind = 'critique'
                AND c.seq IN (SELECT parent FROM edge WHERE role = 'about' AND child <= ?)
                AND coalesce(json_array_length(c.body, '$.findings'), 0) > 0
                """)
            critiques.bind(1, Int64(count))
            while try critiques.step() { claiming.insert(critiques.int64(0)) }
            critiques.reset()
            return AuditFindings(verdicts: verdicts, errorTypes: types, critiquesClaimingFlaws: claiming)
        }
    }
}
