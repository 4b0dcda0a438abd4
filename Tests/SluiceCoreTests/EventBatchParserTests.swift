import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct EventBatchParserTests {
    func parse(_ body: String, _ format: EventBatchParser.Format = .jsonArray) throws(BatchRejection) -> [Event] {
        try EventBatchParser.parse(Data(body.utf8), format: format)
    }

    func rejection(_ body: String, _ format: EventBatchParser.Format = .jsonArray) -> BatchRejection? {
        do {
            _ = try parse(body, format)
            return nil
        } catch {
            return error
        }
    }

    let user = #"{"type":"user_update","data":{"id":1,"username":"alice"}}"#

    @Test func parsesArraysObjectsAndNDJSON() throws {
        #expect(try parse("[\(user),\(user)]").count == 2)
        #expect(try parse(user).count == 1)
        #expect(try parse("\(user)\n\n\(user)\r\n", .ndjson).count == 2)
    }

    @Test func emptyBatchIsRefused() {
        #expect(rejection("[]")?.message == "the batch is empty")
        #expect(rejection("\n \n", .ndjson)?.message == "the batch is empty")
    }

    @Test func malformedJSONIsRefused() {
        let r = rejection("[{\"type\":")
        #expect(r?.code == .invalidEvent)
        #expect(r?.message.contains("malformed JSON") == true)
        let line = rejection("\(user)\n{oops", .ndjson)
        #expect(line?.index == 1)
        #expect(line?.message.contains("malformed JSON") == true)
    }

    @Test func errorsNameTheEventAndTheField() {
        let wrongType = rejection(#"[\#(user),{"type":"user_update","data":{"id":2,"username":"b","followers_count":"many"}}]"#)
        #expect(wrongType?.index == 1)
        #expect(wrongType?.message == "event 1: data.followers_count: expected a number")

        let missing = rejection(#"[{"type":"tweet","data":{"id":5,"created_at":"2024-01-01T12:00:00Z","user":{"id":1,"username":"a"}}}]"#)
        #expect(missing?.index == 0)
        #expect(missing?.message == "event 0: data.text: required field missing")

        let nested = rejection(
            #"[\#(user),\#(user),{"type":"tweet","data":{"id":5,"text":"x","created_at":"2024-01-01T12:00:00Z","user":{"id":1}}}]"#)
        #expect(nested?.index == 2)
        #expect(nested?.message == "event 2: data.user.username: required field missing")

        let unknown = rejection(#"[{"type":"retweet_storm","data":{}}]"#)
        #expect(unknown?.message.contains("unknown event type \"retweet_storm\"") == true)

        let badDate = rejection(#"[{"type":"direct_message","data":{"id":1,"sender_id":1,"recipient_id":2,"text":"x","created_at":"soon"}}]"#)
        #expect(badDate?.message.contains("data.created_at") == true)
    }

    @Test func tooManyEventsIsRefused() {
        let body = "[" + Array(repeating: user, count: EventBatchParser.maxEvents + 1).joined(separator: ",") + "]"
        #expect(rejection(body)?.message.contains("at most") == true)
    }
}
