import ArgumentParser
import Foundation
import RRMLedger

/// A command whose failures are `LedgerError`s, each printed as one clear line on standard
/// error and mapped to its documented exit code (docs/CLI.md).
protocol LedgerCommand: ParsableCommand {
    func execute() throws
}

extension LedgerCommand {
    func run() throws {
        do {
            try execute()
        } catch let code as ExitCode {
            throw code
        } catch {
            let report = ErrorReport(error)
            Output.failure(report)
            throw ExitCode(report.exitStatus)
        }
    }
}

extension LedgerError {
    /// The documented exit code of each failure (sysexits.h where one fits).
    var exitCode: Int32 {
        switch self {
        case .idConflict: return 3  // an id taken by another event: the pipeline's own bug, not a bad line
        case .badEvent, .unexpectedEventCount, .emptyInput, .notALedger, .newerSchema, .derivedSchemaMismatch: return 65  // EX_DATAERR
        case .notFound, .unreadableInput, .unknownEntry: return 66  // EX_NOINPUT
        case .alreadyExists, .danglingLink: return 73  // EX_CANTCREAT
        case .storage, .unreadableWAL, .writeVerificationFailed: return 74  // EX_IOERR
        case .busy: return 75  // EX_TEMPFAIL
        case .database, .internalFailure: return 70  // EX_SOFTWARE
        case .malformedRow: return 65  // EX_DATAERR: the file holds what the schema forbids
        case .tooManyEntriesForLineage: return 69  // EX_UNAVAILABLE
        case .outOfRange: return 64  // EX_USAGE
        case .damagedTree, .missingLevel, .inconsistentLedger, .otherLog: return 1  // verification failed
        case .rebuildRefused, .upgradeRefused: return 1
        case .proofRefused(_, let error): return error.isVerificationFailure ? 1 : 65
        case .emptyLedger, .noOrigin: return 65
        case .noCheckpoint, .entryAfterCheckpoint, .treeSizeBeyondLedger: return 66
        case .treeSizeBeyondCheckpoint: return 64  // EX_USAGE
        case .checkpointExists: return 73
        case .keyFile(let error): return error.exitCode
        }
    }
}

extension ArchiveError {
    /// Malformed or not importable: bad data (65); failed verification: 1, as verify; I/O: 74.
    var exitCode: Int32 {
        switch self {
        case .malformed, .notImportable: return 65
        case .verificationFailed: return 1
        case .io: return 74
        }
    }
}

/// Writing to standard output and standard error. Text goes through `TerminalText`, so that
/// no control character of user data reaches a terminal raw; JSON is printed exactly.
enum Output {
    static func line(_ text: String) {
        print(TerminalText.escaped(text, keepingLineBreaks: true))
    }

    /// A failure the command finds itself, not an error thrown to it; it then exits `exitStatus`.
    static func error(_ text: String, code: String, exitStatus: Int32) {
        failure(ErrorReport(code: code, exitStatus: exitStatus, message: text))
    }

    /// A command's failure on standard error: one line of text, or with `--format json` one JSON
    /// object, `{"error": {...}}` (docs/CLI.md, "Errors as JSON").
    static func failure(_ report: ErrorReport) {
        if ErrorReport.asJSON {
            let line = String(decoding: CanonicalJSON.encode(["error": .object(JSONObject(report.fields))]), as: UTF8.self)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            let text = TerminalText.escaped(report.message, keepingLineBreaks: true)
            FileHandle.standardError.write(Data("rrm-ledger: error: \(text)\n".utf8))
        }
    }

    /// Something the user should know that is not the command's result, on standard error.
    /// With `--format json`, the JSON object `{"note": "..."}`, so that standard error stays JSON Lines.
    static func note(_ text: String) {
        if ErrorReport.asJSON {
            let line = String(decoding: CanonicalJSON.encode(["note": .string(text)]), as: UTF8.self)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data("rrm-ledger: \(TerminalText.escaped(text, keepingLineBreaks: true))\n".utf8))
        }
    }

    static func json(_ value: JSONValue) {
        print(value.prettyPrinted())
    }

    /// Bytes to standard output exactly as given, after what was printed before them (a stream
    /// written in pieces may cut a character in two, which a String would not keep).
    static func bytes(_ bytes: [UInt8]) throws {
        fflush(nil)
        try FileHandle.standardOutput.write(contentsOf: bytes)
    }

    /// One line of JSON (JSON Lines), exactly as encoded.
    static func jsonLine(_ text: String) {
        print(text)
    }

    /// One value as a line of canonical JSON.
    static func jsonLine(_ value: JSONValue) {
        print(String(decoding: CanonicalJSON.encode(value), as: UTF8.self))
    }

    /// Hands what was printed to standard output on now, as a streaming append's acknowledgement
    /// must reach a client in a pipe at once.
    static func flush() {
        fflush(nil)  // every output stream; naming `stdout` is not concurrency-safe in Swift 6
    }

    /// Whether standard error is a terminal, where progress lines make sense.
    static var showsProgress: Bool { isatty(STDERR_FILENO) == 1 }

    /// Overwrites the current terminal line on standard error.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data("\r\(TerminalText.escaped(text))\u{1B}[K".utf8))
    }

    static func endProgress() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Opens the ledger the options name; says so on standard error when opening it for writing
/// upgraded its schema.
func openLedger(_ options: LedgerOptions, readOnly: Bool, wait: Double = Ledger.defaultWaitSeconds) throws -> Ledger {
    let ledger = try Ledger.open(at: options.path, readOnly: readOnly, wait: wait)
    noteUpgrade(of: ledger)
    return ledger
}

/// The note a command prints after its open upgraded the ledger's schema in place.
func noteUpgrade(of ledger: Ledger) {
    guard let from = ledger.upgradedFromVersion else { return }
    let what =
        from == 1
        ? "the derived data was rebuilt and checked; entries, hashes and checkpoints are unchanged"
        : "it now records when it receives each batch (earlier entries have no receipt time); entries, hashes and checkpoints are unchanged"
    Output.note("upgraded \(ledger.path) from schema version \(from) to \(LedgerSchema.version): \(what)")
}

extension ChainHead {
    var json: JSONValue { ["seq": .number(Double(seq)), "hash": .string(hash.hex)] }
}
