import Foundation
import SluiceCore
import SluiceSimulation
import Testing

/// `JSONWriter` must write exactly what the models' `Encodable` conformances, run through Foundation's
/// encoder (`JSONCoding`), write: the log's stored bytes and every wire payload depend on it. The
/// oracle is Foundation's output, on random tweets and profiles whose strings hold what JSON must
/// escape (quotes, backslashes, every control character), what it must not (`/`, DEL, U+2028,
/// non-ASCII), and numbers at their edges.
@Suite struct JSONWriterTests {
    static let alphabet: [Character] =
        (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
        + ["\"", "\\", "/", "\u{7F}", "\u{2028}", "\u{2029}", "é", "日", "😀", "👩‍👩‍👧", "a", "Z", "0", " ", "#", "@", "<", ">", "&"]

    static func randomString(_ rng: inout SplitMix64, maxLength: Int = 40) -> String {
        String((0..<Int.random(in: 1...maxLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func randomID(_ rng: inout SplitMix64) -> Int64 {
        [Int64(1), Int64.max, 9_007_199_254_740_993, Int64.random(in: 1...Int64.max, using: &rng), Int64.random(in: 1...1000, using: &rng)]
            .randomElement(using: &rng)!
    }

    static func randomDate(_ rng: inout SplitMix64) -> Date {
        // Milliseconds, whole seconds and sub-millisecond noise; years 1 to 9999, the epoch's edges
        // and a leap day (2000-02-29).
        let seconds = [
            Double.random(in: -62_135_596_800...253_402_300_799, using: &rng), Double.random(in: 0...2_000_000_000, using: &rng).rounded(),
            -0.0005, 0, 951_782_400,
        ].randomElement(using: &rng)!
        return Date(timeIntervalSince1970: seconds)
    }

    static func randomUser(_ rng: inout SplitMix64) -> User {
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &rng) ? value() : nil }
        return User(
            id: randomID(&rng), username: "u\(Int.random(in: 0...99999, using: &rng))", name: randomString(&rng),
            verified: Bool.random(using: &rng), protected: Bool.random(using: &rng),
            followersCount: [0, Int.random(in: 0...Int.max, using: &rng)].randomElement(using: &rng)!,
            followingCount: Int.random(in: 0...5000, using: &rng), description: maybe(randomString(&rng)),
            location: maybe(randomString(&rng)), url: maybe("https://example.com/" + randomString(&rng)),
            profileImageURL: maybe("https://img.example.com/a/b.png"), createdAt: maybe(randomDate(&rng)))
    }

    static func randomTweet(_ rng: inout SplitMix64) -> Tweet {
        func maybeID() -> Int64? { Bool.random(using: &rng) ? randomID(&rng) : nil }
        let coordinates = [
            Tweet.Geo.Coordinates(latitude: Double.random(in: -90...90, using: &rng), longitude: Double.random(in: -180...180, using: &rng)),
            Tweet.Geo.Coordinates(latitude: 0, longitude: -180), Tweet.Geo.Coordinates(latitude: 1e-7, longitude: 51.5),
        ].randomElement(using: &rng)!
        let geo: Tweet.Geo? =
            switch Int.random(in: 0...3, using: &rng) {
            case 0: nil
            case 1: .init(place: randomString(&rng))
            case 2: .init(coordinates: coordinates)
            default: .init(place: randomString(&rng), coordinates: coordinates)
            }
        return Tweet(
            id: randomID(&rng), text: randomString(&rng, maxLength: 200), createdAt: randomDate(&rng), user: randomUser(&rng),
            metrics: .init(
                retweets: Int.random(in: 0...Int.max, using: &rng), likes: Int.random(in: 0...10, using: &rng), replies: 0,
                quotes: Int.random(in: 0...100, using: &rng)),
            entities: Bool.random(using: &rng)
                ? nil
                : .init(hashtags: [randomString(&rng)], mentions: [], urls: (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomString(&rng) }),
            geo: geo, lang: Bool.random(using: &rng) ? "pt-BR" : nil, inReplyToStatusID: maybeID(), inReplyToUserID: maybeID(),
            retweetedStatusID: maybeID(), quotedStatusID: maybeID())
    }

    @Test(arguments: [IDStyle.numberAndString, .string])
    func tweetsAreWrittenAsFoundationWritesThem(ids: IDStyle) throws {
        var rng = SplitMix64(seed: 0x7eed)
        for _ in 0..<2000 {
            let tweet = Self.randomTweet(&rng)
            let written = tweet.json(ids: ids)
            #expect(written == (try JSONCoding.string(tweet, ids: ids)))
            // And it reads back as a tweet that writes the same bytes (times are kept to the millisecond).
            if ids == .numberAndString {
                #expect(try JSONDecoder().decode(Tweet.self, from: Data(written.utf8)).json(ids: ids) == written)
            }
        }
    }

    @Test(arguments: [IDStyle.numberAndString, .string])
    func profilesAreWrittenAsFoundationWritesThem(ids: IDStyle) throws {
        var rng = SplitMix64(seed: 0x05e7)
        for _ in 0..<2000 {
            let user = Self.randomUser(&rng)
            #expect(user.json(ids: ids) == (try JSONCoding.string(user, ids: ids)))
        }
    }

    /// The oracle is Foundation's ISO 8601 style, the formatter `Timestamp` used before; parsing back
    /// must give the same instant as Foundation's parser does.
    @Test func timestampsAgreeWithFoundation() throws {
        var rng = SplitMix64(seed: 0x7177)
        for _ in 0..<5000 {
            let date = Self.randomDate(&rng)
            let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
            let (quotient, remainder) = millis.quotientAndRemainder(dividingBy: 1000)
            let seconds = remainder < 0 ? quotient - 1 : quotient
            let fraction = remainder < 0 ? remainder + 1000 : remainder
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
            let expected = fraction == 0 ? whole : whole.dropLast() + "." + String(fraction + 1000).dropFirst() + "Z"
            let formatted = Timestamp.format(date)
            #expect(formatted == expected)
            let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(formatted)
            let parsed = try #require(Timestamp.parse(formatted))
            #expect(abs(parsed.timeIntervalSince1970 - foundation.timeIntervalSince1970) < 0.0005, "\(formatted)")
            #expect(Timestamp.format(parsed) == formatted)
        }
        // What the canonical reader must leave to Foundation, or refuse as Foundation does.
        for text in ["2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T12:00:00.5Z", "2024-01-01 12:00:00Z"] {
            #expect(
                Timestamp.parse(text) == (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                    ?? (try? Date.ISO8601FormatStyle().parse(text)),
                "\(text)")
        }
        #expect(Timestamp.parse("2024-02-29T23:59:59.999Z")?.timeIntervalSince1970 == 1_709_251_199.999)
    }
}

extension JSONWriterTests {
    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int([Int64.min, Int64.max, 0, Int64.random(in: -1000...1000, using: &rng)].randomElement(using: &rng)!)
        case 3: return .double([Double.random(in: -1e6...1e6, using: &rng), 0.5, 1e-7, 3].randomElement(using: &rng)!)
        case 4: return .string(randomString(&rng))
        case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            // Keys like Twitter's (`id`, `id_str`, `in_reply_to_…`) plus ones that sort by their bytes.
            let keys = ["id", "id_str", "in_reply_to_status_id", "A", "_a", "a_b", "ab", "é", "z", randomString(&rng, maxLength: 5)]
            return .object(
                Dictionary(
                    (0..<Int.random(in: 0...6, using: &rng)).map { _ in (keys.randomElement(using: &rng)!, randomValue(&rng, depth: depth + 1)) },
                    uniquingKeysWith: { first, _ in first }))
        }
    }

    /// Site Streams messages and status events are `JSONValue` trees: written as Foundation writes them.
    @Test func valuesAreWrittenAsFoundationWritesThem() throws {
        var rng = SplitMix64(seed: 0x7a1e)
        for _ in 0..<3000 {
            let value = Self.randomValue(&rng)
            #expect(value.json() == (try JSONCoding.string(value)))
        }
    }

    /// Twitter's `created_at` (`Wed Aug 27 13:08:45 +0000 2008`); the oracle is Foundation's
    /// Gregorian calendar in UTC, as the format was computed before.
    @Test func twitterDatesAgreeWithFoundationsCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var rng = SplitMix64(seed: 0xda7e)
        for _ in 0..<3000 {
            let date = Self.randomDate(&rng)
            let c = calendar.dateComponents([.weekday, .month, .day, .hour, .minute, .second, .year], from: date)
            let expected = String(
                format: "%@ %@ %02d %02d:%02d:%02d +0000 %04d", weekdays[c.weekday! - 1], months[c.month! - 1], c.day!, c.hour!, c.minute!,
                c.second!, c.year!)
            #expect(TwitterMessage.date(date) == expected)
        }
        #expect(TwitterMessage.date(Date(timeIntervalSince1970: 1_219_842_525)) == "Wed Aug 27 13:08:45 +0000 2008")
    }
}
