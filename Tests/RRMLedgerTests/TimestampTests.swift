import Foundation
import Testing

@testable import RRMAnalysis
@testable import RRMFormat
@testable import RRMSimulation
@testable import RRMStore

/// Why `text` is refused, or `nil` when it normalizes.
private func refusal(_ text: String) -> String? {
    do {
        _ = try Timestamp.normalize(text)
        return nil
    } catch {
        return error.reason
    }
}

/// Days in a month of the proleptic Gregorian calendar, written independently of `Timestamp`.
private func daysInMonth(year: Int, month: Int) -> Int {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

/// Seconds since the epoch of a normalized time, ignoring its fraction.
private func secondsSinceEpoch(of normalized: String) -> Int? {
    let b = Array(normalized.utf8)
    guard b.count >= 20 else { return nil }
    func number(_ start: Int, _ count: Int) -> Int? { Int(String(decoding: b[start..<(start + count)], as: UTF8.self)) }
    guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
        let minute = number(14, 2), let second = number(17, 2)
    else { return nil }
    return Timestamp.daysFromCivil(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second
}

@Suite struct TimestampTests {
    @Test(arguments: [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.5Z",
        "2026-12-31T23:59:59.123456789Z",
        "2024-02-29T12:00:00Z",
        "2000-02-29T00:00:00.000001Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9Z",
    ])
    func keepsNormalizedTimesAsTheyAre(text: String) throws {
        #expect(try Timestamp.normalize(text) == text)
    }

    @Test(arguments: [
        // Zero offsets and lowercase letters.
        ("2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00-00:00", "2026-01-01T00:00:00Z"),
        ("2026-01-01t00:00:00z", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00z", "2026-01-01T00:00:00Z"),
        ("2026-01-01t00:00:00Z", "2026-01-01T00:00:00Z"),
        ("2026-01-01t00:00:00.25+00:00", "2026-01-01T00:00:00.25Z"),
        // Trailing fractional zeros.
        ("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00.0Z", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00.100Z", "2026-01-01T00:00:00.1Z"),
        ("2026-01-01T00:00:00.000100Z", "2026-01-01T00:00:00.0001Z"),
        ("2026-07-04T10:00:00.5000+02:00", "2026-07-04T08:00:00.5Z"),
        ("2026-01-01T00:00:00.120+01:00", "2025-12-31T23:00:00.12Z"),
        // Offsets within a day.
        ("2026-06-15T12:34:56.789+05:45", "2026-06-15T06:49:56.789Z"),
        ("2026-06-15T12:00:00-07:00", "2026-06-15T19:00:00Z"),
        // Across days, months and years.
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00Z"),
        ("2026-04-30T22:00:00-05:00", "2026-05-01T03:00:00Z"),
        ("2026-05-01T03:00:00+05:30", "2026-04-30T21:30:00Z"),
        ("2026-01-31T23:00:00-01:00", "2026-02-01T00:00:00Z"),
        ("2026-01-01T00:00:00+23:59", "2025-12-31T00:01:00Z"),
        ("2026-01-01T23:59:59.999-23:59", "2026-01-02T23:58:59.999Z"),
        ("1969-12-31T23:59:59-00:01", "1970-01-01T00:00:59Z"),
        ("1970-01-01T00:00:00+00:01", "1969-12-31T23:59:00Z"),
        // Leap days.
        ("2024-02-28T23:00:00-02:00", "2024-02-29T01:00:00Z"),
        ("2024-02-29T23:30:00-01:00", "2024-03-01T00:30:00Z"),
        ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z"),
        ("2023-03-01T00:30:00+01:00", "2023-02-28T23:30:00Z"),
        ("2000-03-01T00:00:00+00:01", "2000-02-29T23:59:00Z"),
        ("1900-03-01T00:00:00+00:01", "1900-02-28T23:59:00Z"),
        ("2100-02-28T23:00:00-01:00", "2100-03-01T00:00:00Z"),
        // The ends of the range stay inside it.
        ("0000-01-01T12:00:00+01:00", "0000-01-01T11:00:00Z"),
        ("0001-01-01T00:30:00+01:00", "0000-12-31T23:30:00Z"),
        ("0000-03-01T00:00:00+00:01", "0000-02-29T23:59:00Z"),
        ("9999-12-31T12:00:00-01:00", "9999-12-31T13:00:00Z"),
    ])
    func normalizesToUTC(text: String, expected: String) throws {
        #expect(try Timestamp.normalize(text) == expected)
        // Normalizing is idempotent.
        #expect(try Timestamp.normalize(expected) == expected)
    }

    @Test(arguments: [
        // Dates that do not exist.
        ("2026-02-30T00:00:00Z", "day 30 is out of range"),
        ("2026-02-29T00:00:00Z", "day 29 is out of range"),
        ("1900-02-29T00:00:00Z", "day 29 is out of range"),
        ("2100-02-29T00:00:00Z", "day 29 is out of range"),
        ("2026-04-31T00:00:00Z", "day 31 is out of range"),
        ("2026-01-32T00:00:00Z", "day 32 is out of range"),
        ("2026-01-00T00:00:00Z", "day 0 is out of range"),
        ("2026-13-01T00:00:00Z", "month 13 is out of range"),
        ("2026-00-01T00:00:00Z", "month 0 is out of range"),
        // Times that do not exist.
        ("2026-01-01T24:00:00Z", "hour 24 is out of range"),
        ("2026-01-01T23:60:00Z", "minute 60 is out of range"),
        ("2026-12-31T23:59:60Z", "second 60 is out of range (leap seconds are not accepted)"),
        ("2026-01-01T00:00:99Z", "second 99 is out of range (leap seconds are not accepted)"),
        // Offsets.
        ("2026-01-01T00:00:00", "has no time zone offset (Z or ±HH:MM)"),
        ("2026-01-01T00:00:00.5", "has no time zone offset (Z or ±HH:MM)"),
        ("2026-01-01T00:00:00UTC", "expected a time zone offset (Z or ±HH:MM) at character 20"),
        ("2026-01-01T00:00:00,5Z", "expected a time zone offset (Z or ±HH:MM) at character 20"),
        ("2026-01-01T00:00:00 Z", "expected a time zone offset (Z or ±HH:MM) at character 20"),
        ("2026-01-01T00:00:00+0100", "expected ':' at character 23"),
        ("2026-01-01T00:00:00+01", "expected ':' at character 23"),
        ("2026-01-01T00:00:00+1:00", "expected a digit at character 22"),
        ("2026-01-01T00:00:00+01:0", "is too short for an RFC 3339 date-time"),
        ("2026-01-01T00:00:00+24:00", "time zone offset is out of range"),
        ("2026-01-01T00:00:00-01:60", "time zone offset is out of range"),
        // Trailing characters.
        ("2026-01-01T00:00:00ZZ", "has unexpected characters after the time zone offset"),
        ("2026-01-01T00:00:00Z\n", "has unexpected characters after the time zone offset"),
        ("2026-01-01T00:00:00+01:00 ", "has unexpected characters after the time zone offset"),
        ("2026-01-01T00:00:00+01:00Z", "has unexpected characters after the time zone offset"),
        // Shape.
        ("", "is too short for an RFC 3339 date-time"),
        ("2026", "expected '-' at character 5"),
        ("2026-01-01", "expected 'T' at character 11"),
        ("2026-01-01 00:00:00Z", "expected 'T' at character 11"),
        ("2026-01-01_00:00:00Z", "expected 'T' at character 11"),
        ("2026/01/01T00:00:00Z", "expected '-' at character 5"),
        ("2026-01-01T00.00:00Z", "expected ':' at character 14"),
        ("26-01-01T00:00:00Z", "expected a digit at character 3"),
        ("2026-1-01T00:00:00Z", "expected a digit at character 7"),
        ("2026-01-01T0:00:00Z", "expected a digit at character 13"),
        ("2026-01-01T00:00:00.Z", "expected digits after the decimal point"),
        ("2026-01-01T00:00:00.", "expected digits after the decimal point"),
        ("２０２６-01-01T00:00:00Z", "expected a digit at character 1"),
        ("yesterday", "expected a digit at character 1"),
        ("+2026-01-01T00:00:00Z", "expected a digit at character 1"),
        // Years that leave 0000–9999 once converted to UTC.
        ("0000-01-01T00:30:00+01:00", "falls outside the years 0000–9999 in UTC"),
        ("9999-12-31T23:30:00-01:00", "falls outside the years 0000–9999 in UTC"),
    ])
    func refusesInvalidTimes(text: String, reason: String) {
        #expect(refusal(text) == reason)
    }

    @Test func acceptsEveryDayOfLeapAndCommonYears() throws {
        for (year, leap) in [(2024, true), (2023, false), (2000, true), (1900, false), (2400, true), (0, true)] {
            var days = 0
            for month in 1...12 {
                for day in 1...31 {
                    let text = String(format: "%04ld-%02ld-%02ldT00:00:00Z", year, month, day)
                    if day <= daysInMonth(year: year, month: month) {
                        #expect(try Timestamp.normalize(text) == text)
                        days += 1
                    } else {
                        #expect(refusal(text) == "day \(day) is out of range")
                    }
                }
            }
            #expect(days == (leap ? 366 : 365))
        }
    }

    @Test(arguments: [
        (0, 0, "1970-01-01T00:00:00Z"),
        (-1, 0, "1969-12-31T23:59:59Z"),
        (86399, 0, "1970-01-01T23:59:59Z"),
        (86400, 0, "1970-01-02T00:00:00Z"),
        (-86400, 0, "1969-12-31T00:00:00Z"),
        (-86401, 0, "1969-12-30T23:59:59Z"),
        (951_782_400, 0, "2000-02-29T00:00:00Z"),
        (1_700_000_000, 0, "2023-11-14T22:13:20Z"),
        (1_709_251_199, 0, "2024-02-29T23:59:59Z"),
        (4_107_542_400, 0, "2100-03-01T00:00:00Z"),
        (-2_208_988_800, 0, "1900-01-01T00:00:00Z"),
        (68_719_476_736, 0, "4147-08-20T07:32:16Z"),
        (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
        (-62_135_596_800, 0, "0001-01-01T00:00:00Z"),
        (-62_167_219_200, 0, "0000-01-01T00:00:00Z"),
        (0, 500_000, "1970-01-01T00:00:00.5Z"),
        (0, 1, "1970-01-01T00:00:00.000001Z"),
        (0, 120, "1970-01-01T00:00:00.00012Z"),
        (0, 123_456, "1970-01-01T00:00:00.123456Z"),
        (-1, 999_999, "1969-12-31T23:59:59.999999Z"),
        (1_700_000_000, 250_000, "2023-11-14T22:13:20.25Z"),
    ])
    func formatsSecondsSinceTheEpoch(seconds: Int, microseconds: Int, expected: String) throws {
        #expect(Timestamp.format(secondsSinceEpoch: seconds, microseconds: microseconds) == expected)
        #expect(try Timestamp.normalize(expected) == expected)
    }

    @Test func formatsAndReadsBackSeededRandomInstants() throws {
        var state: UInt64 = 3339
        for _ in 0..<3000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Int((state >> 1) % 315_569_520_000) - 62_167_219_200  // years 0000–9999
            let text = Timestamp.format(secondsSinceEpoch: seconds)
            #expect(secondsSinceEpoch(of: text) == seconds)
            #expect(try Timestamp.normalize(text) == text)
        }
    }

    @Test func formatsTheCurrentTimeNormalized() throws {
        let before = Date().timeIntervalSince1970
        let now = Timestamp.now()
        let after = Date().timeIntervalSince1970
        #expect(try Timestamp.normalize(now) == now)
        let seconds = try #require(secondsSinceEpoch(of: now))
        #expect(Double(seconds) >= before.rounded(.down) && Double(seconds) <= after.rounded(.up))
        // At most microseconds.
        if let point = now.firstIndex(of: ".") {
            #expect(now[now.index(after: point)...].dropLast().count <= 6)
        }
    }

    @Test(arguments: [
        (1970, 1, 1, 0),
        (1970, 1, 2, 1),
        (1969, 12, 31, -1),
        (2000, 3, 1, 11017),
        (2024, 2, 29, 19782),
        (1900, 3, 1, -25508),
        (1600, 2, 29, -135_081),
        (1, 1, 1, -719_162),
        (0, 1, 1, -719_528),
        (0, 3, 1, -719_468),
        (-1, 12, 31, -719_529),
        (9999, 12, 31, 2_932_896),
    ])
    func countsDaysFromTheEpoch(year: Int, month: Int, day: Int, days: Int) {
        #expect(Timestamp.daysFromCivil(year: year, month: month, day: day) == days)
        #expect(Timestamp.civilFromDays(days) == (year, month, day))
    }

    /// Every day of the years -800 to 10399 (28 Gregorian cycles): each date follows the one before in the calendar,
    /// and converts back to its day number.
    @Test func convertsDaysAndDatesBothWaysOverAWideRange() {
        let first = Timestamp.daysFromCivil(year: -800, month: 1, day: 1)
        let last = Timestamp.daysFromCivil(year: 10399, month: 12, day: 31)
        #expect(last - first + 1 == 28 * 146_097)
        var date = (year: -800, month: 1, day: 1)
        var firstFailure: String?
        for days in first...last {
            let civil = Timestamp.civilFromDays(days)
            if civil != date || Timestamp.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) != days {
                firstFailure = "day \(days): \(civil), expected \(date)"
                break
            }
            if date.day < daysInMonth(year: date.year, month: date.month) {
                date.day += 1
            } else if date.month < 12 {
                date = (date.year, date.month + 1, 1)
            } else {
                date = (date.year + 1, 1, 1)
            }
        }
        #expect(firstFailure == nil)
        #expect(date == (10400, 1, 1))
    }
}
