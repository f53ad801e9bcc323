import Foundation
import Testing

/// A mistyped command is named as such, with the nearest command, exit 64 (docs/CLI.md,
/// "Mistyped commands"), whatever options follow it; ArgumentParser alone blamed the first
/// option (`Unknown option '--ledger'`) or said `Unexpected argument`.
@Suite struct MistypedCommandTests {
    @Test(arguments: [
        (["verfy", "--ledger", "x"], #"unknown command "verfy"; did you mean "verify"?"#),
        (["verfy"], #"unknown command "verfy"; did you mean "verify"?"#),
        (["Verify"], #"unknown command "Verify"; did you mean "verify"?"#),
        (["lgo", "--kind", "finding"], #"unknown command "lgo"; did you mean "log"?"#),
        (["verify-archiv", "a.tar.gz"], #"unknown command "verify-archiv"; did you mean "verify-archive"?"#),
        (["prove", "inclsion", "out-1"], #"unknown command "prove inclsion"; did you mean "prove inclusion"?"#),
        (["chekpoint", "--key", "k.key"], #"unknown command "chekpoint"; did you mean "checkpoint"?"#),
    ])
    func aMistypedCommandIsNamedWithTheNearestOne(arguments: [String], message: String) throws {
        let result = try CLIProcess().run(arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "rrm-ledger: error: \(message)\n")
    }

    @Test func aWordNearNoCommandListsThemAll() throws {
        let result = try CLIProcess().run(["frobnicate", "--ledger", "x"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix(#"rrm-ledger: error: unknown command "frobnicate"; the commands are init, append, verify"#))
        #expect(result.stderr.contains("verify-proof, audit (rrm-ledger --help)"))
    }

    @Test func withFormatJSONTheRefusalIsAJSONUsageError() throws {
        let result = try CLIProcess().run(["verfy", "--format", "json"])
        #expect(result.status == 64)
        let object = try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "usage")
        #expect(error?["exit_status"] as? Int == 64)
        #expect(error?["message"] as? String == #"unknown command "verfy"; did you mean "verify"?"#)
    }

    @Test func aControlCharacterInTheWordReachesNoTerminal() throws {
        let result = try CLIProcess().run(["ver\u{1B}[2Jify"])
        #expect(result.status == 64)
        #expect(!result.stderr.contains("\u{1B}"))
        #expect(result.stderr.contains(#"\u{1B}"#))
    }

    @Test func realCommandsHelpAndVersionAreUntouched() throws {
        let cli = try CLIProcess()
        #expect(try cli.run(["help", "verify"]).status == 0)
        #expect(try cli.run(["--version"]).status == 0)
        #expect(try cli.run(["verify", "--help"]).status == 0)
        // An unknown option of a real command is still ArgumentParser's to report.
        let option = try cli.run(["verify", "--ledgr", "x"])
        #expect(option.status == 64)
        #expect(option.stderr.contains("--ledgr"))
        #expect(!option.stderr.contains("unknown command"))
    }
}
