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

    public static func format(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        let whole = millis.truncatingRemainder(dividingBy: 1000) == 0
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: !whole)
        return date.formatted(style)
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
