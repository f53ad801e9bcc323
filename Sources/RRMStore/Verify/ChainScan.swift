import Foundation
import GRDB
import RRMFormat

/// Walks a range of entries in sequence order and checks every chain property that can be
/// checked from the rows themselves: contiguous sequence numbers, each prev_hash equal to the
/// previous row's hash, each hash recomputed from its fields, and (optionally) the id, kind and
/// time columns equal to the hashed body. Ranges can be scanned independently and in parallel,
/// because every row stores the hash it links to.
struct ChainScan {
    /// Most faults kept in detail; the rest are only counted.
    static let faultLimit = 1000

    /// The stored hash of the row before `nextSeq`, or `nil` when that row is missing; kept as
    /// the bytes stored, which are not a digest when the file was edited to hold another length.
    private var previousStoredHash: [UInt8]?
    /// The hash of the row before `nextSeq`, when it is present and 32 bytes.
    var previousHash: SHA256Hash? { previousStoredHash.flatMap { SHA256Hash(bytes: $0) } }
    /// The sequence number the next row must have.
    private(set) var nextSeq: Int64
    let checkColumns: Bool
    /// When set, derived data is checked too (`verify --deep`).
    var derivedCheck: DerivedDataCheck?
    private(set) var faults: [ChainFault] = []
    private(set) var faultCount = 0
    private(set) var entriesChecked: Int64 = 0

    init(previousHash: SHA256Hash?, nextSeq: Int64, checkColumns: Bool) {
        self.previousStoredHash = previousHash?.bytes
        self.nextSeq = nextSeq
        self.checkColumns = checkColumns
    }

    /// Starts a scan at `seq`, reading the hash it must link to from the ledger.
    static func starting(at seq: Int64, _ db: Database, checkColumns: Bool) throws -> ChainScan {
        if seq <= 1 { return ChainScan(previousHash: ChainHash.genesis, nextSeq: 1, checkColumns: checkColumns) }
        let hash = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [seq - 1])
        var scan = ChainScan(previousHash: nil, nextSeq: seq, checkColumns: checkColumns)
        scan.previousStoredHash = hash.map { Array($0) }
        return scan
    }

    mutating func record(_ fault: ChainFault) {
        faultCount += 1
        if faults.count < Self.faultLimit { faults.append(fault) }
    }

    /// Checks entries `from...through`.
    /// - Parameter progress: called with the number of entries checked so far, now and then.
    mutating func run(_ db: Database, from: Int64, through: Int64, progress: ((Int64) -> Void)? = nil) throws {
        guard from <= through else { return }
        // The level, from the derived table, only when derived data is checked too.
        let level = derivedCheck == nil ? "NULL" : "(SELECT level FROM entry_level WHERE seq = e.seq)"
        let rows = try RawStatement(
            db,
            "SELECT e.seq, e.id, e.kind, e.time, e.body, e.prev_hash, e.hash, \(level) FROM entry e WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq"
        )
        rows.bind(1, from)
        rows.bind(2, through)
        defer { rows.reset() }
        var stored = [UInt8](repeating: 0, count: SHA256Hash.byteCount)
        while try rows.step() {
            let seq = rows.int64(0)
            if seq != nextSeq {
                record(.missing(nextSeq, through: seq - 1))
                previousStoredHash = nil
            }
            let prev = rows.bytes(5)
            let hash = rows.bytes(6)
            let body = rows.bytes(4)
            let linkBroken = previousStoredHash.map { expected in !expected.withUnsafeBytes { bytesEqual(prev, $0) } } ?? false
            if linkBroken {
                let message =
                    seq == 1
                    ? "prev_hash is not 32 zero bytes, as the first entry's must be"
                    : "prev_hash does not match the hash of entry \(seq - 1): the chain is broken here"
                record(ChainFault(seq: seq, kind: .brokenLink, message: message))
            }
            let digest = ChainHash.bodyDigest(body)
            // A prev_hash or hash of another length than 32 bytes cannot be the one computed.
            let prevHash = SHA256Hash(bytes: prev)
            if prevHash.map({ ChainHash.entryHash(previous: $0, seq: seq, bodyDigest: digest) }) != SHA256Hash(bytes: hash) {
                recordHashMismatch(seq: seq, prev: prevHash, digest: digest, hash: SHA256Hash(bytes: hash), linkBroken: linkBroken)
            }
            if checkColumns {
                checkColumnsAgree(seq: seq, id: rows.bytes(1), kind: rows.bytes(2), time: rows.bytes(3), body: body)
            }
            if let derivedCheck {
                let storedLevel = rows.isNull(7) ? nil : rows.int64(7)
                if storedLevel != nil && !rows.isInteger(7) {
                    // SQLite reads text as 0, which may be the right level: the type is the fault.
                    record(
                        ChainFault(
                            seq: seq, kind: .derivedMismatch,
                            message: "its entry_level row holds \(rows.storedValueDescription(7)) where an integer level belongs"))
                }
                for fault in try derivedCheck.check(seq: seq, body: body, storedLevel: storedLevel) { record(fault) }
            }
            if hash.count == stored.count {
                stored.withUnsafeMutableBytes { $0.copyMemory(from: hash) }
                previousStoredHash = stored
            } else {
                previousStoredHash = Array(hash)
            }
            // 2^63 − 1, the largest rowid, has no next: the range ends there (an edited file).
            guard seq < .max else {
                entriesChecked += 1
                return
            }
            nextSeq = seq + 1
            entriesChecked += 1
            if entriesChecked & 0xFFFF == 0 { progress?(entriesChecked) }
        }
        if nextSeq <= through {
            record(.missing(nextSeq, through: through))
            nextSeq = through + 1
            previousStoredHash = nil
        }
    }

    /// How far renumbering is looked for: an entry whose hash is that of a sequence number up to
    /// this far away was moved there by inserting or deleting entries before it.
    static let renumberingReach: Int64 = 8

    /// Records a hash mismatch, saying what it most likely is: a renumbered row (entries inserted
    /// or deleted before it, hashes left as they were) or an edited body or hash. The first row
    /// renumbered by an insertion (its link broken too) also reports the inserted entries, at
    /// their own sequence numbers.
    private mutating func recordHashMismatch(
        seq: Int64, prev: SHA256Hash?, digest: SHA256Hash, hash: SHA256Hash?, linkBroken: Bool
    ) {
        // Near the ends of Int64 (a seq edited to 2^63 − 1) some neighbours do not exist.
        let neighbours = (1...Self.renumberingReach).lazy.flatMap { distance in
            [seq.subtractingReportingOverflow(distance), seq.addingReportingOverflow(distance)].filter { !$0.overflow }.map(\.partialValue)
        }
        let original = neighbours.first { candidate in
            guard candidate >= 1, let prev, let hash else { return false }
            return ChainHash.entryHash(previous: prev, seq: candidate, bodyDigest: digest) == hash
        }
        guard let original else {
            record(
                ChainFault(
                    seq: seq, kind: .hashMismatch,
                    message: "stored hash does not match the hash of its fields: its body or hash was altered"))
            return
        }
        let count = abs(seq - original)
        let entries = count == 1 ? "an entry was" : "\(count) entries were"
        if original < seq && linkBroken {
            let what = count == 1 ? "entry \(original) was" : "entries \(original) to \(seq - 1) were"
            record(
                ChainFault(
                    seq: original, lastSeq: seq - 1, kind: .insertedEntries,
                    message: "\(what) inserted: the next entry, now \(seq), has the hash of sequence number \(original)"))
        }
        record(
            ChainFault(
                seq: seq, kind: .hashMismatch,
                message:
                    "its hash is that of sequence number \(original): entries were renumbered (\(entries) \(original < seq ? "inserted" : "deleted") before it)"
            ))
    }

    /// The id, kind and time columns are copies of the body's fields, kept for indexing; a copy
    /// that disagrees with the hashed body is a forgery the hash alone would not show.
    private mutating func checkColumnsAgree(
        seq: Int64, id: UnsafeRawBufferPointer, kind: UnsafeRawBufferPointer, time: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer
    ) {
        var agrees = (id: false, kind: false, time: false)
        let wellFormed = JSONMemberScanner.forEachMember(body) { key, value in
            if bytesEqual(key, "id") {
                agrees.id = JSONMemberScanner.withStringContent(value) { bytesEqual($0, id) } ?? false
            } else if bytesEqual(key, "kind") {
                agrees.kind = JSONMemberScanner.withStringContent(value) { bytesEqual($0, kind) } ?? false
            } else if bytesEqual(key, "time") {
                agrees.time = JSONMemberScanner.withStringContent(value) { bytesEqual($0, time) } ?? false
            }
        }
        guard wellFormed else {
            record(ChainFault(seq: seq, kind: .invalidBody, message: "body is not a JSON object"))
            return
        }
        for (name, column, agreed) in [("id", id, agrees.id), ("kind", kind, agrees.kind), ("time", time, agrees.time)] where !agreed {
            let bodyValue = (try? JSONParser.parse(body.assumingMemoryBound(to: UInt8.self)))?[name]
            let shown = bodyValue.map { shownStoredText(CanonicalJSON.string($0)) } ?? "(none)"
            record(
                ChainFault(
                    seq: seq, kind: .columnMismatch,
                    message:
                        "\(name) column \"\(shownStoredText(String(decoding: column, as: UTF8.self)))\" differs from the body's \(shown)"))
        }
    }
}
