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
        } catch let failure as LedgerError {
            Output.error(failure.description)
            throw ExitCode(failure.exitCode)
        } catch let failure as ArchiveError {
            Output.error(failure.description)
            throw ExitCode(failure.exitCode)
        } catch let failure as SimulationError {
            Output.error(failure.description)
            throw ExitCode(74)  // EX_IOERR: the only case that reaches a command
        } catch let failure as InputError {
            Output.error(failure.description)
            throw ExitCode(LedgerError(failure).exitCode)
        } catch let code as ExitCode {
            throw code
        } catch let usage as ValidationErrorExit {
            Output.error(usage.message)
            throw ExitCode(64)
        } catch {
            // Anything else is a defect in rrm-ledger, not in the user's input.
            Output.error("internal error: \(error)")
            throw ExitCode(70)
        }
    }
}

extension LedgerError {
    /// The documented exit code of each failure (sysexits.h where one fits).
    var exitCode: Int32 {
        switch self {
        case .badEvent, .emptyInput, .notALedger, .newerSchema, .derivedSchemaMismatch: return 65  // EX_DATAERR
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

    static func error(_ text: String) {
        FileHandle.standardError.write(Data("rrm-ledger: error: \(TerminalText.escaped(text, keepingLineBreaks: true))\n".utf8))
    }

    /// Something the user should know that is not the command's result, on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("rrm-ledger: \(TerminalText.escaped(text, keepingLineBreaks: true))\n".utf8))
    }

    static func json(_ value: JSONValue) {
        print(value.prettyPrinted())
    }

    /// One line of JSON (JSON Lines), exactly as encoded.
    static func jsonLine(_ text: String) {
        print(text)
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
    Output.note(
        "upgraded \(ledger.path) from schema version \(from) to \(LedgerSchema.version): the derived data was rebuilt and checked; "
            + "entries, hashes and checkpoints are unchanged")
}

extension ChainHead {
    var json: JSONValue { ["seq": .number(Double(seq)), "hash": .string(hash.hex)] }
}
