import Foundation

/// ISO 8601 timestamps as the Private SSE document writes them (`2024-01-01T12:00:00Z`).
///
/// Parsing accepts fractional seconds and numeric offsets; formatting is always UTC, with milliseconds
/// only when they are not zero, so a whole-second timestamp round-trips byte for byte.
public enum Timestamp {
    public static func parse(_ string: String) -> Date? {
        if let date = parseCanonical(string) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(string)
    }

    /// Rounds to the nearest millisecond, then writes the whole seconds and the milliseconds apart:
    /// formatting the fraction of a `Double` truncates, so `.002` could come out `.001`, and `.9999`,
    /// rounded up to the next second, could come out a second early.
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (quotient, remainder) = millis.quotientAndRemainder(dividingBy: 1000)
        let seconds = remainder < 0 ? quotient - 1 : quotient
        let fraction = remainder < 0 ? remainder + 1000 : remainder
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let civil = CivilDate(daysSince1970: secondOfDay < 0 ? days - 1 : days)
        guard (CivilDate.gregorianYears).contains(civil.year) else {
            // Before the Gregorian reform Foundation's calendar is Julian: its own rendering there.
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
            guard fraction != 0, whole.hasSuffix("Z") else { return whole }
            return whole.dropLast() + "." + String(fraction + 1000).dropFirst() + "Z"
        }
        let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        var text: [UInt8] = []
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(civil.year, 4)
        text.append(UInt8(ascii: "-"))
        digits(civil.month, 2)
        text.append(UInt8(ascii: "-"))
        digits(civil.day, 2)
        text.append(UInt8(ascii: "T"))
        digits(second / 3600, 2)
        text.append(UInt8(ascii: ":"))
        digits(second / 60 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(second % 60, 2)
        if fraction != 0 {
            text.append(UInt8(ascii: "."))
            digits(fraction, 3)
        }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The forms `format` writes (`YYYY-MM-DDTHH:MM:SSZ`, or with `.mmm`), read without Foundation's
    /// general parser, which was a tenth of the cost of decoding a tweet; nil for anything else,
    /// which the general parser then decides on.
    static func parseCanonical(_ string: String) -> Date? {
        var string = string
        return string.withUTF8 { t -> Date? in
            guard t.count == 20 || t.count == 24, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"), t[10] == UInt8(ascii: "T"),
                t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"), t[t.count - 1] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int64? {
                var value: Int64 = 0
                for index in range {
                    let digit = t[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
                let minute = number(14..<16), let second = number(17..<19), CivilDate.gregorianYears.contains(year), (1...12).contains(month),
                (1...CivilDate.days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60
            else { return nil }
            var millis: Int64 = 0
            if t.count == 24 {
                guard t[19] == UInt8(ascii: "."), let fraction = number(20..<23) else { return nil }
                millis = fraction
            }
            let days = CivilDate(year: year, month: month, day: day).daysSince1970
            let whole = days * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(whole * 1000 + millis) / 1000)
        }
    }

    static func decode<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Date {
        let string = try container.decode(String.self, forKey: key)
        guard let date = parse(string) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "expected an ISO 8601 timestamp such as 2024-01-01T12:00:00Z")
        }
        return date
    }
}

extension Date {
    /// This time to the millisecond, the precision stores keep and every response prints: a time made
    /// here (a key's creation, a token's expiry) reads the same in the answer that made it and later.
    public var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}

/// A Gregorian date, converted to and from days since 1970-01-01 with Howard Hinnant's
/// `days_from_civil` and `civil_from_days` algorithms (exact for every year, no tables).
struct CivilDate: Equatable {
    /// The years where this calendar and Foundation's agree: Foundation's is Julian before the
    /// Gregorian reform of October 1582.
    static let gregorianYears: ClosedRange<Int64> = 1583...9999

    var year: Int64
    var month: Int64
    var day: Int64

    init(year: Int64, month: Int64, day: Int64) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(daysSince1970 days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    var daysSince1970: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func days(inMonth month: Int64, of year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
