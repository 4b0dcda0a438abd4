import Foundation

/// ISO 8601 timestamps as the Private SSE document writes them (`2024-01-01T12:00:00Z`).
///
/// Parsing accepts fractional seconds and numeric offsets; formatting is always UTC, with milliseconds
/// only when they are not zero, so a whole-second timestamp round-trips byte for byte.
public enum Timestamp {
    public static func parse(_ string: String) -> Date? {
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
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        guard fraction != 0, whole.hasSuffix("Z") else { return whole }
        return whole.dropLast() + "." + String(fraction + 1000).dropFirst() + "Z"
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
