import Foundation

/// RFC 3339 date-times, normalized to UTC so that the same instant always has the same bytes in
/// a canonical body: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the fraction without trailing zeros.
public enum Timestamp {
    /// Why a time was refused.
    public struct Invalid: Error, Sendable {
        public let reason: String
    }

    /// Normalizes an RFC 3339 `date-time` (section 5.6) to UTC.
    /// - Throws: `Invalid` when the text is not a valid RFC 3339 date-time or leaves years 0000–9999.
    public static func normalize(_ text: String) throws(Invalid) -> String {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) throws(Invalid) -> Int {
            guard start + count <= b.count else { throw Invalid(reason: "is too short for an RFC 3339 date-time") }
            var value = 0
            for i in start..<(start + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { throw Invalid(reason: "expected a digit at character \(i + 1)") }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        func expect(_ index: Int, _ characters: String) throws(Invalid) {
            guard index < b.count, characters.utf8.contains(b[index]) else {
                throw Invalid(reason: "expected '\(characters.prefix(1))' at character \(index + 1)")
            }
        }
        var year = try digits(0, 4)
        try expect(4, "-")
        var month = try digits(5, 2)
        try expect(7, "-")
        var day = try digits(8, 2)
        try expect(10, "Tt")
        var hour = try digits(11, 2)
        try expect(13, ":")
        var minute = try digits(14, 2)
        try expect(16, ":")
        let second = try digits(17, 2)
        guard (1...12).contains(month) else { throw Invalid(reason: "month \(month) is out of range") }
        guard (1...daysIn(month: month, year: year)).contains(day) else { throw Invalid(reason: "day \(day) is out of range") }
        guard hour <= 23 else { throw Invalid(reason: "hour \(hour) is out of range") }
        guard minute <= 59 else { throw Invalid(reason: "minute \(minute) is out of range") }
        guard second <= 59 else { throw Invalid(reason: "second \(second) is out of range (leap seconds are not accepted)") }
        var index = 19
        var fraction: [UInt8] = []
        if index < b.count && b[index] == UInt8(ascii: ".") {
            index += 1
            while index < b.count && b[index] >= 0x30 && b[index] <= 0x39 {
                fraction.append(b[index])
                index += 1
            }
            guard !fraction.isEmpty else { throw Invalid(reason: "expected digits after the decimal point") }
        }
        guard index < b.count else { throw Invalid(reason: "has no time zone offset (Z or ±HH:MM)") }
        var offsetMinutes = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
            let offsetHour = try digits(index + 1, 2)
            try expect(index + 3, ":")
            let offsetMinute = try digits(index + 4, 2)
            guard offsetHour <= 23, offsetMinute <= 59 else { throw Invalid(reason: "time zone offset is out of range") }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
            index += 6
        default:
            throw Invalid(reason: "expected a time zone offset (Z or ±HH:MM) at character \(index + 1)")
        }
        guard index == b.count else { throw Invalid(reason: "has unexpected characters after the time zone offset") }
        let hadTrailingZeros = fraction.last == UInt8(ascii: "0")
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        // Already normalized (the usual case): keep the caller's string as it is.
        if offsetMinutes == 0 && b[10] == UInt8(ascii: "T") && b[b.count - 1] == UInt8(ascii: "Z") && !hadTrailingZeros
            && !(b[19] == UInt8(ascii: ".") && fraction.isEmpty)
        {
            return text
        }

        if offsetMinutes != 0 {
            // Local time minus its offset is UTC; carry through days with civil-calendar arithmetic.
            let totalMinutes = daysFromCivil(year: year, month: month, day: day) * 1440 + hour * 60 + minute - offsetMinutes
            let days = totalMinutes >= 0 ? totalMinutes / 1440 : (totalMinutes - 1439) / 1440
            let minutesOfDay = totalMinutes - days * 1440
            (year, month, day) = civilFromDays(days)
            hour = minutesOfDay / 60
            minute = minutesOfDay % 60
            guard (0...9999).contains(year) else { throw Invalid(reason: "falls outside the years 0000–9999 in UTC") }
        }
        var out = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        out += pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
        return out + "Z"
    }

    /// Seconds since 1970-01-01T00:00:00Z of a normalized time (`normalize`'s output); `nil` for
    /// text that is not one.
    public static func secondsSinceEpoch(_ normalized: String) -> Double? {
        let b = Array(normalized.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b.last == UInt8(ascii: "Z") else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var fraction = 0.0
        if b[19] == UInt8(ascii: "."), let digits = Double("0" + String(decoding: b[19..<(b.count - 1)], as: UTF8.self)) {
            fraction = digits
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
    }

    /// The current time in the normalized form, to microseconds.
    public static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return format(secondsSinceEpoch: Int(spec.tv_sec), microseconds: Int(spec.tv_nsec) / 1000)
    }

    /// A time given as seconds and microseconds since 1970-01-01T00:00:00Z, normalized.
    public static func format(secondsSinceEpoch: Int, microseconds: Int = 0) -> String {
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86400 : (secondsSinceEpoch - 86399) / 86400
        let secondsOfDay = secondsSinceEpoch - days * 86400
        let (year, month, day) = civilFromDays(days)
        var out = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        out += pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
        if microseconds > 0 {
            var fraction = pad(microseconds, 6)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        return out + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
