/// Text for a terminal: what a user put into a ledger or on a command line (an id, an auditor's
/// name, an error type), printed where a terminal would obey the control characters in it (an
/// escape sequence can retitle the window, clear the screen or hide the lines before it).
/// JSON output needs none of this: it is printed exactly, its strings escaped as JSON escapes them.
public enum TerminalText {
    /// `text` with every control character (C0, DEL, C1) and every bidirectional override written
    /// as `\u{1B}`; with `keepingLineBreaks`, line feeds and tabs stay (for whole lines of output,
    /// whose own layout uses them).
    public static func escaped(_ text: String, keepingLineBreaks: Bool = false) -> String {
        // Fast path: printable ASCII (and, when kept, line feeds and tabs) needs nothing.
        if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || (keepingLineBreaks && ($0 == 0x0A || $0 == 0x09)) }) { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if keepingLineBreaks && (scalar == "\n" || scalar == "\t") || !needsEscaping(scalar) {
                result.append(scalar)
            } else {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            }
        }
        return String(result)
    }

    private static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0: return true  // C0, DEL, C1
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional embeddings, overrides, isolates
        default: return false
        }
    }
}
