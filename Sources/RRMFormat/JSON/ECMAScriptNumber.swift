/// Formats a double exactly as ECMAScript's `Number.prototype.toString` does, which is what
/// RFC 8785 section 3.2.2.3 prescribes for numbers in canonical JSON.
///
/// The shortest digits that round-trip come from Swift's own `description` (which computes the
/// same shortest representation ECMAScript requires); only the layout differs, so this type
/// re-lays those digits out by the rules of ECMA-262 section 6.1.6.1.20.
enum ECMAScriptNumber {
    /// Largest magnitude below which every integral double prints as plain digits through `Int64`.
    private static let exactIntegerLimit: Double = 9_007_199_254_740_992

    /// The ECMAScript serialization of a finite double; -0 prints as "0".
    static func format(_ value: Double) -> String {
        precondition(value.isFinite, "canonical JSON has no representation for NaN or infinity")
        if value == 0 { return "0" }
        if value == value.rounded(.towardZero) && abs(value) < exactIntegerLimit {
            return String(Int64(value))
        }
        let (digits, pointPosition) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        return sign + layout(digits: digits, pointPosition: pointPosition)
    }

    /// The shortest round-trip decimal digits of a positive double (no leading or trailing
    /// zeros) and n, the position of the decimal point: value = 0.d1d2…dk × 10^n.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], pointPosition: Int) {
        let text = value.description  // e.g. "1.2345e-07", "123.45", "1e+21"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits: [UInt8] = []
        var integerPartLength = 0
        var seenPoint = false
        for character in mantissa.utf8 {
            if character == UInt8(ascii: ".") {
                seenPoint = true
            } else {
                digits.append(character - UInt8(ascii: "0"))
                if !seenPoint { integerPartLength += 1 }
            }
        }
        var pointPosition = integerPartLength + exponent
        while let first = digits.first, first == 0 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == 0 { digits.removeLast() }
        return (digits, pointPosition)
    }

    /// ECMA-262 Number::toString steps 6–10 for digits d1…dk and point position n.
    private static func layout(digits: [UInt8], pointPosition n: Int) -> String {
        let k = digits.count
        let text = String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
        if k <= n && n <= 21 {
            return text + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            let split = text.index(text.startIndex, offsetBy: n)
            return text[..<split] + "." + text[split...]
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + text
        }
        let exponent = n - 1
        let exponentText = exponent >= 0 ? "e+\(exponent)" : "e-\(-exponent)"
        if k == 1 { return text + exponentText }
        return text.prefix(1) + "." + text.dropFirst() + exponentText
    }
}
