import ArgumentParser

/// A subcommand name that names none, found before ArgumentParser reads the arguments: left to
/// it, `rrm-ledger verfy --ledger x` is refused as `Unknown option '--ledger'`, which sends the
/// user looking at the wrong word. The message names the word and the nearest command.
struct UnknownCommand: Error {
    /// The commands above the unknown word (`prove` for `prove inclsion`), and the word itself.
    let path: [String]
    let word: String
    /// The subcommands that were possible where the word stands.
    let choices: [String]

    /// The unknown command in `arguments` (those after the program's name), if there is one.
    /// Walks down the subcommands the arguments name; stops at the first option, at a command
    /// without subcommands and at `--`, so that nothing after a command's name is judged here.
    init?(_ arguments: [String], root: any ParsableCommand.Type = RRMLedgerCommand.self) {
        var command = root
        var path: [String] = []
        for argument in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !argument.hasPrefix("-"), command.configuration.defaultSubcommand == nil else { return nil }
            if path.isEmpty && argument == "help" { return nil }  // ArgumentParser's own `help COMMAND`
            guard let next = subcommands.first(where: { Self.names(of: $0).contains(argument) }) else {
                self.path = path
                self.word = argument
                self.choices = subcommands.compactMap { $0.configuration.commandName }
                return
            }
            path.append(argument)
            command = next
        }
        return nil
    }

    /// `unknown command "verfy"; did you mean "verify"?`, or the list of commands when none is near.
    var message: String {
        let prefix = path.isEmpty ? "" : path.joined(separator: " ") + " "
        let named = "unknown command \"\(prefix)\(word)\""
        if let nearest = Self.nearest(to: word, among: choices) {
            return "\(named); did you mean \"\(prefix)\(nearest)\"?"
        }
        return "\(named); the commands are \(choices.joined(separator: ", ")) (rrm-ledger \(prefix)--help)"
    }

    /// The choice nearest to `word` by edit distance, ignoring case, if it is near enough to be
    /// what was meant: at most two edits, or a third of the name for long names; a word that
    /// begins one name and no other (`ver` is both `verify` and `verify-archive`) is that name.
    static func nearest(to word: String, among choices: [String]) -> String? {
        let typed = word.lowercased()
        guard typed.count <= 64 else { return nil }  // no name is that long; and the distance costs length × length
        let prefixed = choices.filter { $0.hasPrefix(typed) }
        if prefixed.count == 1, typed.count >= 2 { return prefixed[0] }
        let scored = choices.map { (name: $0, distance: editDistance(typed, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        let allowed = max(2, best.name.count / 3)
        return best.distance <= allowed && best.distance < best.name.count ? best.name : nil
    }

    /// Levenshtein distance, counted in characters: insertions, deletions and substitutions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static func names(of command: any ParsableCommand.Type) -> [String] {
        [command.configuration.commandName].compactMap { $0 } + command.configuration.aliases
    }
}
