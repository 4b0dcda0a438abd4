import Foundation
import SluiceSimulation
import Testing

@testable import SluiceCore

/// Reading the log's stored tweets and profiles without Foundation must give what Foundation's
/// decoder gives (`init(from:)`), defaults and stated fields included; and anything not in the
/// canonical form must still decode, through Foundation.
@Suite struct ModelJSONReaderTests {
    @Test func storedTweetsReadAsFoundationDecodesThem() throws {
        var rng = SplitMix64(seed: 0x4ead)
        for _ in 0..<2000 {
            let stored = JSONWriterTests.randomTweet(&rng).json()
            let expected = try JSONDecoder().decode(Tweet.self, from: Data(stored.utf8))
            let read = try Tweet(storedJSON: stored)
            // Read without Foundation: the canonical form never needs the fallback.
            #expect(ModelJSONReader.tweet(stored) == read)
            #expect(read == expected)
            // `==` leaves out what a profile stated and the entities; compare those too.
            #expect(read.user.stated == expected.user.stated)
            #expect(read.entities == expected.entities)
            #expect(read.createdAt == expected.createdAt)
            #expect(try StoredEvent(sequence: 1, kind: .tweet, data: stored, acceptedAt: Date()).decoded() == .tweet(expected))
        }
    }

    @Test func storedProfilesReadAsFoundationDecodesThem() throws {
        var rng = SplitMix64(seed: 0x05e4)
        for _ in 0..<2000 {
            let stored = JSONWriterTests.randomUser(&rng).json()
            let expected = try JSONDecoder().decode(User.self, from: Data(stored.utf8))
            let read = try User(storedJSON: stored)
            #expect(ModelJSONReader.user(stored)?.stated == read.stated)
            #expect(read == expected)
            #expect(read.stated == expected.stated)
        }
    }

    /// Forms the writer never writes: ids as strings, partial profiles (unstated protection must
    /// still read as protected), escapes of `/` and of non-control characters, entities left out,
    /// whitespace. Each must read as Foundation reads it.
    @Test(arguments: [
        #"{"id":"7","username":"ann"}"#,
        #"{"id":7,"username":"ann","name":"A\/B \u00e9 \ud83d\ude00"}"#,
        #"{ "id": 7, "username": "ann", "protected": false }"#,
        #"{"id":7,"username":"ann","description":null}"#,
    ])
    func otherProfileFormsStillRead(json: String) throws {
        let expected = try JSONDecoder().decode(User.self, from: Data(json.utf8))
        let read = try User(storedJSON: json)
        #expect(read == expected)
        #expect(read.stated == expected.stated)
        #expect(read.protected == expected.protected)
    }

    @Test func otherTweetFormsStillRead() throws {
        for json in [
            #"{"id":1,"text":"hi #there","created_at":"2024-01-01T12:00:00+02:00","user":{"id":2,"username":"b"}}"#,
            #"{"id":"1","text":"hi","created_at":"2024-01-01T12:00:00Z","user":{"id":2,"username":"b"},"geo":{"coordinates":[1.5,2]}}"#,
            #"{"id":1,"text":"hi","created_at":"2024-01-01T12:00:00.1Z","user":{"id":2,"username":"b"},"lang":null}"#,
        ] {
            let expected = try JSONDecoder().decode(Tweet.self, from: Data(json.utf8))
            let read = try Tweet(storedJSON: json)
            #expect(read == expected)
            #expect(read.entities == expected.entities)
            #expect(read.geo == expected.geo)
            #expect(read.createdAt == expected.createdAt)
        }
        #expect(throws: (any Error).self) { try Tweet(storedJSON: #"{"id":1}"#) }
        #expect(throws: (any Error).self) { try Tweet(storedJSON: "") }
    }
}
