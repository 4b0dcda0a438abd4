import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct IngestTests {
    /// A batch as a producer would write it by hand: numeric ids, only some optional fields.
    static let producerBatch = """
        [
          {"type":"user_update","data":{"id":987654321,"username":"fullusername","name":"Complete Display Name","verified":true,"followers_count":15000,"following_count":500}},
          {"type":"user_update","data":{"id":42,"username":"bob","protected":true,"description":"hi"}},
          {"type":"tweet","data":{"id":1234567890123456789,"text":"This is the complete tweet text without any truncation or limits on character count #technology #programming @bob https://example.com","user":{"id":987654321,"username":"fullusername","name":"Complete Display Name","verified":true,"followers_count":15000,"following_count":500},"created_at":"2024-01-01T12:00:00Z","metrics":{"retweets":150,"likes":500,"replies":25,"quotes":10},"entities":{"hashtags":["#technology","#programming"],"mentions":["@bob"],"urls":["https://example.com"]},"geo":{"place":"San Francisco, CA"},"lang":"en"}},
          {"type":"tweet","data":{"id":"1234567890123456790","text":"reply","user":{"id":42,"username":"bob"},"created_at":"2024-01-01T12:00:01Z","in_reply_to_status_id":1234567890123456789,"in_reply_to_user_id":987654321}},
          {"type":"follow","data":{"source_id":42,"target_id":987654321}},
          {"type":"favorite","data":{"source_id":42,"tweet_id":1234567890123456789}},
          {"type":"unfavorite","data":{"source_id":42,"tweet_id":1234567890123456789}},
          {"type":"block","data":{"source_id":987654321,"target_id":42}},
          {"type":"unblock","data":{"source_id":987654321,"target_id":42}},
          {"type":"unfollow","data":{"source_id":42,"target_id":987654321}},
          {"type":"direct_message","data":{"id":77,"sender_id":42,"recipient_id":987654321,"text":"psst","created_at":"2024-01-01T12:00:02Z"}},
          {"type":"delete","data":{"id":1234567890123456790,"user_id":42}}
        ]
        """

    @Test func eventsComeBackIdenticalInOrderWithConsecutiveSequences() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let response = try await client.post(events: Self.producerBatch, key: key)
            #expect(response.status == .ok)
            #expect(response.json == .object(["accepted": .int(12), "first_seq": .int(1), "last_seq": .int(12)]))

            let log = try await client.readLog(key: key)
            let events = log["events"]!.array
            let posted = try JSONDecoder().decode(JSONValue.self, from: Data(Self.producerBatch.utf8)).array
            #expect(events.count == posted.count)
            #expect(events.compactMap { $0["seq"]?.int } == Array(1...12))
            #expect(log["last_seq"] == .int(12))
            for (sent, stored) in zip(posted, events) {
                #expect(sent["type"] == stored["type"])
                // Every field sent comes back with the same value; string ids come back as numbers.
                var expected = sent["data"]!
                if case .object(var fields) = expected, case .string(let s)? = fields["id"] {
                    fields["id"] = .int(Int64(s)!)
                    expected = .object(fields)
                }
                #expect(expected.isContained(in: stored["data"]!), "\(sent) vs \(stored)")
            }
            // Ids appear both as numbers and as strings, at every level.
            let tweet = events[2]["data"]!
            #expect(tweet["id"] == .int(1_234_567_890_123_456_789))
            #expect(tweet["id_str"] == .string("1234567890123456789"))
            #expect(tweet["user"]?["id_str"] == .string("987654321"))
            #expect(events[3]["data"]?["in_reply_to_status_id_str"] == .string("1234567890123456789"))
            #expect(events[4]["data"]?["source_id_str"] == .string("42"))

            // Paging.
            let page = try await client.readLog(after: 10, limit: 1, key: key)
            #expect(page["events"]!.array.compactMap { $0["seq"]?.int } == [11])
            #expect(page["last_seq"] == .int(11))
        }
    }

    @Test func ndjsonBatchesAreAccepted() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let body = """
                {"type":"user_update","data":{"id":1,"username":"a"}}
                {"type":"user_update","data":{"id":2,"username":"b"}}

                {"type":"follow","data":{"source_id":1,"target_id":2}}
                """
            let response = try await client.post(events: body, key: key, contentType: "application/x-ndjson")
            #expect(response.status == .ok)
            #expect(response.json?["last_seq"] == .int(3))
        }
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        var name: String
        var body: String
        var contentType = "application/json"
        var status: HTTPResponse.Status = .badRequest
        var code: String
        var index: Int64?
        var testDescription: String { name }
    }

    static let user = #"{"type":"user_update","data":{"id":1,"username":"alice"}}"#
    static let badInputs: [BadInput] = [
        .init(name: "malformed JSON", body: "[{\"type\": \"tweet\",", code: "invalid_event"),
        .init(name: "not JSON at all", body: "hello", code: "invalid_event"),
        .init(
            name: "wrong type", body: #"[\#(user),{"type":"user_update","data":{"id":2,"username":"b","verified":"yes"}}]"#, code: "invalid_event",
            index: 1),
        .init(name: "missing field", body: #"[{"type":"follow","data":{"source_id":1}}]"#, code: "invalid_event", index: 0),
        .init(name: "unknown event type", body: #"[\#(user),{"type":"poke","data":{}}]"#, code: "invalid_event", index: 1),
        .init(name: "empty batch", body: "[]", code: "invalid_event"),
        .init(name: "empty body", body: "", code: "invalid_event"),
        .init(name: "bad ndjson line", body: "\(user)\n{\"type\":", contentType: "application/x-ndjson", code: "invalid_event", index: 1),
        .init(
            name: "duplicate tweet id",
            body: #"[{"type":"tweet","data":{"id":100,"text":"again","created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"alice"}}}]"#,
            code: "duplicate_id", index: 0),
        .init(
            name: "duplicate within batch",
            body:
                #"[\#(user),{"type":"tweet","data":{"id":200,"text":"x","created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"alice"}}},{"type":"tweet","data":{"id":200,"text":"y","created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"alice"}}}]"#,
            code: "duplicate_id", index: 2),
        .init(name: "unknown user", body: #"[\#(user),{"type":"follow","data":{"source_id":1,"target_id":9}}]"#, code: "unknown_reference", index: 1),
        .init(name: "unknown tweet", body: #"[{"type":"favorite","data":{"source_id":1,"tweet_id":12345}}]"#, code: "unknown_reference", index: 0),
        .init(
            name: "delete by another user",
            body: #"[{"type":"user_update","data":{"id":2,"username":"b"}},{"type":"delete","data":{"id":100,"user_id":2}}]"#,
            code: "invalid_reference", index: 1),
        .init(
            name: "oversized body", body: "[" + Array(repeating: user, count: 2000).joined(separator: ",") + "]", status: .contentTooLarge,
            code: "payload_too_large"),
    ]

    @Test(arguments: badInputs)
    func badInputIsRefusedAndChangesNothing(_ input: BadInput) async throws {
        let app = try await TestApp.build(maxBodyBytes: 64 * 1024)
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let setup =
                #"[\#(Self.user),{"type":"tweet","data":{"id":100,"text":"first","created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"alice"}}}]"#
            #expect(try await client.post(events: setup, key: key).status == .ok)
            let before = try await client.readLog(key: key)

            let response = try await client.post(events: input.body, key: key, contentType: input.contentType)
            #expect(response.status == input.status)
            #expect(response.errorCode == input.code)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            if case .string(let message)? = response.json?["error"]?["message"] {
                #expect(!message.isEmpty)
            } else {
                Issue.record("no error message")
            }
            if let index = input.index { #expect(response.json?["error"]?["index"] == .int(index)) }

            #expect(try await client.readLog(key: key) == before, "the store is unchanged")
            // And the store still works.
            #expect(try await client.post(events: #"[{"type":"user_update","data":{"id":3,"username":"c"}}]"#, key: key).status == .ok)
        }
    }

    @Test func readParametersAreValidated() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            for query in ["after=abc", "after=-1", "limit=0", "limit=1001", "limit=ten"] {
                try await client.execute(uri: "/v1/events?\(query)", method: .get, headers: [.authorization: "Bearer \(key)"]) {
                    #expect($0.status == .badRequest, "\(query)")
                    #expect($0.errorCode == "invalid_parameter")
                }
            }
        }
    }

    @Test func healthReportsTheStore() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) {
                #expect($0.status == .ok)
                #expect($0.json?["status"] == .string("ok"))
                #expect($0.json?["last_seq"] == .int(0))
            }
            try await client.execute(uri: "/nowhere", method: .get) {
                #expect($0.status == .notFound)
                #expect($0.errorCode == "not_found")
            }
        }
    }
}
