import ArgumentParser
import Foundation
import RRMLedger

/// A command's failure as a program reads it: a stable code, the exit status, the message, and
/// where the input was at fault. Printed as one line of text, or with `--format json` as the
/// JSON object `{"error": {...}}` on standard error (docs/CLI.md, "Errors as JSON"), so that a
/// pipeline's client need not parse English.
struct ErrorReport {
    /// The error's case in snake case (`bad_event`, `id_conflict`, `busy`, `usage`, …); the same
    /// for the same failure in every version.
    let code: String
    let exitStatus: Int32
    let message: String
    /// Structured details: `line`, `id`, `field`, `seq`, `differences`, `expected`, `received`.
    var details: [String: JSONValue] = [:]

    init(code: String, exitStatus: Int32, message: String) {
        self.code = code
        self.exitStatus = exitStatus
        self.message = message
    }

    /// The report of any error a command can end with.
    init(_ error: any Error) {
        switch error {
        case let failure as LedgerError:
            self.init(code: Self.code(of: failure), exitStatus: failure.exitCode, message: failure.description)
            details = Self.details(of: failure)
        case let failure as ArchiveError:
            self.init(code: "archive_" + Self.code(of: failure), exitStatus: failure.exitCode, message: failure.description)
        case let failure as InputError:
            self.init(LedgerError(failure))
        case let failure as SimulationError:
            let status: Int32 = if case .exists = failure { 73 } else { 74 }  // EX_CANTCREAT, EX_IOERR
            self.init(code: "simulation_" + Self.code(of: failure), exitStatus: status, message: failure.description)
        case let usage as ValidationErrorExit:
            self.init(code: "usage", exitStatus: 64, message: usage.message)
        default:
            // Anything else is a defect in rrm-ledger, not in the user's input.
            self.init(code: "internal", exitStatus: 70, message: "internal error: \(error)")
        }
    }

    /// The JSON object's members.
    var fields: [String: JSONValue] {
        var fields = details
        fields["code"] = .string(code)
        fields["exit_status"] = .number(Double(exitStatus))
        fields["message"] = .string(message)
        return fields
    }

    /// Whether errors are printed as JSON: the command line asks for `--format json` (read from
    /// the arguments themselves, so that even an error in parsing them is reported as asked).
    static let asJSON: Bool = {
        var arguments = CommandLine.arguments.dropFirst().prefix { $0 != "--" }.makeIterator()
        while let argument = arguments.next() {
            if argument == "--format=json" { return true }
            if argument == "--format", arguments.next() == "json" { return true }
        }
        return false
    }()

    private static func details(of error: LedgerError) -> [String: JSONValue] {
        switch error {
        case .badEvent(let line, let id, let field, _):
            var details: [String: JSONValue] = ["line": .number(Double(line))]
            if let id { details["id"] = .string(id) }
            if let field { details["field"] = .string(field) }
            return details
        case .idConflict(let line, let id, let seq, _, let differences):
            return [
                "line": .number(Double(line)), "id": .string(id), "field": "id", "seq": .number(Double(seq)),
                "differences": .array(differences.map(JSONValue.string)),
            ]
        case .unexpectedEventCount(_, let expected, let received):
            return ["expected": .number(Double(expected)), "received": .number(Double(received))]
        case .unknownEntry(let id):
            return ["id": .string(id)]
        case .writeVerificationFailed(let seq, _), .missingLevel(let seq):
            return ["seq": .number(Double(seq))]
        case .malformedRow(let table, let row, let column, _):
            return ["table": .string(table), "row": .number(Double(row)), "column": .string(column)]
        default:
            return [:]
        }
    }

    /// An enum case's name in snake case: `badEvent(…)` gives `bad_event`.
    private static func code(of value: Any) -> String {
        let name = Mirror(reflecting: value).children.first?.label ?? "\(value)"
        var code = ""
        for character in name {
            if character.isUppercase {
                code += "_" + character.lowercased()
            } else {
                code.append(character)
            }
        }
        return code
    }
}
