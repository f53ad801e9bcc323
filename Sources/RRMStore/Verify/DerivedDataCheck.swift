import GRDB
import RRMFormat

/// Re-derives what append derived from each body (the event's validity and canonical form, its
/// lineage edges, its level) and compares it with what is stored. `verify --deep` runs it, and
/// `rebuild` before it commits. Lineage queries and reports
/// read the derived tables, so a forged edge would mislead an auditor without touching the chain.
struct DerivedDataCheck {
    private let resolver: ReferenceResolver
    private let storedEdges: RawStatement

    init(_ db: Database) throws {
        resolver = try ReferenceResolver(db)
        storedEdges = try RawStatement(db, "SELECT role, parent FROM edge WHERE child = ? ORDER BY role, parent")
    }

    /// Checks the entry `seq` with canonical body `body` and stored level `storedLevel` (from
    /// `entry_level`; `nil` when its row is missing); returns the faults found.
    func check(seq: Int64, body: UnsafeRawBufferPointer, storedLevel: Int64?) throws -> [ChainFault] {
        let value: JSONValue
        let event: Event
        do {
            value = try JSONParser.parse(body.assumingMemoryBound(to: UInt8.self))
            event = try EventDecoder.decode(value, appendTime: "")
        } catch {
            return [ChainFault(seq: seq, kind: .invalidBody, message: "body is not a valid event: \(error)")]
        }
        var faults: [ChainFault] = []
        if !event.body.elementsEqual(body) {
            faults.append(ChainFault(seq: seq, kind: .invalidBody, message: "body is not in RFC 8785 canonical form"))
        }
        var expected: [(role: String, parent: Int64)] = []
        var levels: [Int] = []
        for reference in event.references {
            let parent: ResolvedEntry?
            do {
                parent = try resolver.resolve(reference.id)
            } catch LedgerError.missingLevel(let parentSeq) {
                // Reported at the parent itself too; without its level this one's cannot be checked.
                faults.append(
                    ChainFault(
                        seq: seq, kind: .derivedMismatch,
                        message: "\(reference.path) names entry \(parentSeq), which has no level, so this entry's level cannot be checked"))
                return faults
            }
            guard let parent, parent.seq < seq, reference.role.accepts(kind: parent.kind, modelRole: parent.modelRole) else {
                faults.append(
                    ChainFault(
                        seq: seq, kind: .derivedMismatch,
                        message: "\(reference.path) names \"\(reference.id)\", which is not an earlier entry of the right kind"))
                return faults
            }
            expected.append((reference.role.rawValue, parent.seq))
            levels.append(parent.level)
        }
        expected.sort { ($0.role, $0.parent) < ($1.role, $1.parent) }
        var stored: [(role: String, parent: Int64)] = []
        storedEdges.bind(1, seq)
        while try storedEdges.step() { stored.append((storedEdges.string(0), storedEdges.int64(1))) }
        storedEdges.reset()
        if !stored.elementsEqual(expected, by: { $0.role == $1.role && $0.parent == $1.parent }) {
            let describe = { (edges: [(role: String, parent: Int64)]) in
                edges.map { "\(shownStoredText($0.role))→\($0.parent)" }.joined(separator: ", ")
            }
            faults.append(
                ChainFault(
                    seq: seq, kind: .derivedMismatch,
                    message: "lineage edges [\(describe(stored))] differ from the body's references [\(describe(expected))]"))
        }
        let level = LevelRule.level(of: event, referencedLevels: levels)
        if let storedLevel, storedLevel != Int64(level) {
            faults.append(
                ChainFault(seq: seq, kind: .derivedMismatch, message: "stored level is \(storedLevel), but the level rule gives \(level)"))
        } else if storedLevel == nil {
            faults.append(
                ChainFault(
                    seq: seq, kind: .derivedMismatch,
                    message: "has no level (its entry_level row is missing); the level rule gives \(level)"))
        }
        return faults
    }
}
