/// Negative numbers on the command line. ArgumentParser reads `-1` as a short option, so
/// `log --level -1` was refused as `Missing value for '--level <level>'` and never reached the
/// range check that says what the range is. Before parsing, a negative number after a long
/// option is joined to it (`--level=-1`), and negative numbers among the last arguments, with
/// no option after them (`prove consistency -1`), get a `--` before them; each then reaches
/// its option's range check (`OptionRange`) and is refused with the range named.
enum NegativeNumbers {
    /// `-1`, `-0.5`, `-.5`, `-1e10`, `-inf`, `-nan`: what a number option may be given.
    static func isNegativeNumber(_ argument: String) -> Bool {
        guard argument.hasPrefix("-"), let first = argument.dropFirst().first else { return false }
        if first.isASCII && (first.isNumber || first == ".") { return true }
        return ["inf", "infinity", "nan"].contains(argument.dropFirst().lowercased())
    }

    /// The arguments (those after the program's name) as ArgumentParser should read them.
    static func rewritten(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count + 1)
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            let next = index + 1
            if argument.hasPrefix("--"), !argument.contains("="), next < arguments.endIndex, isNegativeNumber(arguments[next]) {
                result.append(argument + "=" + arguments[next])
                index = next + 1
                continue
            }
            if isNegativeNumber(argument), arguments[index...].allSatisfy({ !$0.hasPrefix("-") || isNegativeNumber($0) }) {
                result.append("--")
                result += arguments[index...]
                break
            }
            result.append(argument)
            index = next
        }
        return result
    }
}
