import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct ModelCodingTests {
    func json(_ string: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(string.utf8))
    }

    @Test func tweetRoundTripsWithIdsAsNumberAndString() throws {
        let tweet = Fixtures.tweet(1_234_567_890_123_456_789, by: Fixtures.user(987_654_321, "fullusername", followers: 15000, verified: true))
        let data = try JSONCoding.encoder().encode(tweet)
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(value["id"] == .int(1_234_567_890_123_456_789))
        #expect(value["id_str"] == .string("1234567890123456789"))
        #expect(value["user"]?["id_str"] == .string("987654321"))
        #expect(value["created_at"] == .string("2024-01-01T12:00:00Z"))
        #expect(value["metrics"]?["retweets"] == .int(3))
        #expect(value["entities"]?["hashtags"] == .array([.string("#swift")]))
        #expect(try JSONDecoder().decode(Tweet.self, from: data) == tweet)
    }

    @Test func idsAreAcceptedAsStrings() throws {
        let body = #"{"id":"1234567890123456789","text":"hi","created_at":"2024-01-01T12:00:00Z","user":{"id":"987654321","username":"u"}}"#
        let tweet = try JSONDecoder().decode(Tweet.self, from: Data(body.utf8))
        #expect(tweet.id == 1_234_567_890_123_456_789)
        #expect(tweet.user.id == 987_654_321)
        #expect(tweet.user.name == "u")
        #expect(tweet.metrics == .init())
    }

    @Test(arguments: [
        #"{"id":"12a","username":"u"}"#,
        #"{"id":-4,"username":"u"}"#,
        #"{"id":true,"username":"u"}"#,
        #"{"id":1,"username":"no spaces"}"#,
        #"{"id":1,"username":"u","followers_count":-1}"#,
        #"{"username":"u"}"#,
    ])
    func invalidUsersAreRefused(_ body: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(User.self, from: Data(body.utf8)) }
    }

    @Test func entitiesAreDerivedFromTextWhenAbsent() {
        let entities = Tweet.Entities(extractingFrom: "Shipping #Swift6 today with @ada_dev, see https://example.com/post. #")
        #expect(entities.hashtags == ["#Swift6"])
        #expect(entities.mentions == ["@ada_dev"])
        #expect(entities.urls == ["https://example.com/post"])
        // The README's rule, the one the filters use too: a sign after punctuation tags, one after a
        // letter (a mail address) or inside a URL does not.
        let edges = Tweet.Entities(extractingFrom: "(#Swift) c#rust ##ai mail@example.com (@bob) https://x.com/#frag?@me")
        #expect(edges.hashtags == ["#Swift", "#ai"])
        #expect(edges.mentions == ["@bob"])
        #expect(edges.urls == ["https://x.com/#frag?@me"])
    }

    @Test func languageTags() {
        #expect(Tweet.isLanguageTag("en"))
        #expect(Tweet.isLanguageTag("pt-BR"))
        #expect(Tweet.isLanguageTag("zh-Hant-TW"))
        #expect(!Tweet.isLanguageTag("english"))
        #expect(!Tweet.isLanguageTag("e"))
        #expect(!Tweet.isLanguageTag("en-"))
        #expect(Fixtures.tweet(1, by: Fixtures.user(1), lang: "pt-BR").primaryLanguage == "pt")
    }

    @Test func everyEventKindRoundTrips() throws {
        let events = Fixtures.everyKind()
        #expect(Set(events.map(\.kind)) == Set(EventKind.allCases))
        let data = try JSONCoding.encoder().encode(events)
        #expect(try JSONDecoder().decode([Event].self, from: data) == events)
        for event in events {
            let stored = StoredEvent(sequence: 7, kind: event.kind, data: try event.encodedData(), acceptedAt: Date())
            #expect(try stored.decoded() == event)
            #expect(try json(stored.json)["seq"] == .int(7))
        }
    }

    @Test func encodingIsDeterministic() throws {
        let event = Event.tweet(Fixtures.tweet(5, by: Fixtures.user(2)))
        let first = try event.encodedData()
        for _ in 0..<5 { #expect(try event.encodedData() == first) }
        #expect(first.hasPrefix(#"{"created_at":"#))
    }

    @Test func timestampsKeepMillisecondsOnlyWhenPresent() throws {
        #expect(Timestamp.format(Fixtures.created) == "2024-01-01T12:00:00Z")
        let precise = try #require(Timestamp.parse("2024-01-01T12:00:00.250Z"))
        #expect(Timestamp.format(precise) == "2024-01-01T12:00:00.250Z")
        #expect(Timestamp.parse("2024-01-01T14:00:00+02:00") == Fixtures.created)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    /// Found by fuzzing (Fuzz/Regressions/FuzzEventBatch): a stored time is the one sent, to the
    /// millisecond; formatting the fraction of a Double used to truncate it.
    @Test(arguments: [
        ("2024-03-01T12:34:56.002Z", "2024-03-01T12:34:56.002Z"),
        ("2024-01-01T12:00:00.9999Z", "2024-01-01T12:00:01Z"),
        ("2024-01-01T12:00:00.0004Z", "2024-01-01T12:00:00Z"),
        ("1969-12-31T23:59:59.500Z", "1969-12-31T23:59:59.500Z"),
    ])
    func timestampsRoundToTheNearestMillisecond(sent: String, stored: String) throws {
        let date = try #require(Timestamp.parse(sent))
        #expect(Timestamp.format(date) == stored)
        #expect(Timestamp.format(try #require(Timestamp.parse(stored))) == stored, "stable once stored")
    }
}
