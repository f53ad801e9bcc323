import GRDB
import RRMFormat

/// Plain `verify`'s check of the `receipt` table (when the ledger received each batch): receipts
/// are not hashed, so nothing proves their times, but every row a command or view reads must
/// have the shape the schema promises. Each row covers entries first_seq…last_seq within
/// 1…head, after the previous row's, and holds a normalised UTC time. Rows are one per batch,
/// few beside the entries; they are read in order, one at a time.
struct ReceiptCheck {
    /// Most faults reported; more are damage enough.
    static let limit = 100

    let head: Int64

    func run(_ db: Database) throws -> [ChainFault] {
        var faults: [ChainFault] = []
        // Receipts are the ledger's word, not part of the chain: their faults name no entry, so
        // they never move where verify says the damage starts.
        func fault(_ message: String) {
            if faults.count < Self.limit { faults.append(ChainFault(seq: nil, kind: .receipt, message: "receipt: " + message)) }
        }
        var previousLast: Int64 = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT first_seq, last_seq, received_at FROM receipt ORDER BY first_seq")
        while let row = try rows.next() {
            let first: Int64
            let last: Int64
            let received: String
            do {
                first = try row.stored(0, "first_seq", table: "receipt", row: 0)
                last = try row.stored(1, "last_seq", table: "receipt", row: first)
                received = try row.stored(2, "received_at", table: "receipt", row: first)
            } catch {
                fault("\(error)")
                continue
            }
            if first < 1 || last < first {
                fault("the row for entries \(first)…\(last) is not a range of entries")
            } else if last > head {
                fault(
                    "the ledger received entries \(first)…\(last), but it ends at entry \(head): entries are gone from its end")
            } else if first <= previousLast {
                fault("the row for entries \(first)…\(last) overlaps the one before it, which ends at \(previousLast)")
            }
            if (try? Timestamp.normalize(received)) != received {
                fault("the row for entries \(first)…\(last) holds \"\(shownStoredText(received))\", not a UTC time")
            }
            previousLast = max(previousLast, last)
        }
        return faults
    }
}
