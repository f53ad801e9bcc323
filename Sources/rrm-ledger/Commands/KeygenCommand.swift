import ArgumentParser
import Foundation
import RRMLedger

struct KeygenCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 key pair for signing the ledger's checkpoints.",
        discussion: """
            Writes PREFIX.key, the private key (mode 0600: keep it secret; never printed), and \
            PREFIX.pub, the verifier key to give auditors, in the signed-note form \
            name+hash+keydata; then prints the verifier key. Never overwrites a file (exit 73). \
            The key's name defaults to the ledger's origin, made a valid key name.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: ArgumentHelp("Write PREFIX.key and PREFIX.pub.", valueName: "prefix"))
    var out: String

    @Option(
        name: .long,
        help: ArgumentHelp("The key's name, shown in every signature line. Default: the ledger's origin.", valueName: "name"))
    var name: String?

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a file prefix") }
    }

    func execute() throws {
        let keyName = try name ?? defaultName()
        let generated: (signer: NoteSigner, privateKeyText: String, verifierKeyText: String)
        do {
            generated = try NoteSigner.generate(name: keyName)
        } catch {
            throw ValidationErrorExit("--name \"\(keyName)\": \(error)")
        }
        let privatePath = out + ".key"
        let verifierPath = out + ".pub"
        for path in [privatePath, verifierPath] where FileManager.default.fileExists(atPath: path) || isSymbolicLink(path) {
            throw LedgerError.keyFile(.alreadyExists(path: path))
        }
        do {
            try KeyFile.writePrivateKey(generated.privateKeyText, to: privatePath)
        } catch {
            throw LedgerError.keyFile(error)
        }
        do {
            try KeyFile.writeVerifierKey(generated.verifierKeyText, to: verifierPath)
        } catch {
            unlink(privatePath)
            throw LedgerError.keyFile(error)
        }
        switch output.format {
        case .text:
            Output.line("wrote \(privatePath) (private key, mode 0600: keep it secret) and \(verifierPath) (verifier key, for auditors)")
            Output.line(generated.verifierKeyText)
        case .json:
            Output.json([
                "name": .string(keyName), "private_key_file": .string(privatePath), "verifier_key_file": .string(verifierPath),
                "verifier_key": .string(generated.verifierKeyText),
            ])
        }
    }

    /// The ledger's origin as a key name.
    private func defaultName() throws -> String {
        let target: Ledger
        do {
            target = try openLedger(ledger, readOnly: true)
        } catch LedgerError.notFound(let path) {
            throw ValidationErrorExit("no ledger at \(path) to name the key after: give --name NAME, or --ledger PATH")
        }
        guard let origin = try target.origin() else { throw LedgerError.noOrigin(path: target.path) }
        return LedgerOrigin.keyName(for: origin)
    }

    private func isSymbolicLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }
}
