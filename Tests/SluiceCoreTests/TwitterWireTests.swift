import Foundation
import NIOCore
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct TwitterWireTests {
    @Test func twitterDates() {
        #expect(TwitterMessage.date(Date(timeIntervalSince1970: 1_219_842_525)) == "Wed Aug 27 13:08:45 +0000 2008")
        #expect(TwitterMessage.date(Fixtures.created) == "Mon Jan 01 12:00:00 +0000 2024")
    }

    @Test func envelopePutsForUserFirstWithoutSpaces() {
        let wrapped = SiteStreamEnvelope.wrap(forUser: 42, message: TwitterMessage.json(TwitterMessage.friends([1, 2], stringify: false)))
        #expect(wrapped == #"{"for_user":42,"message":{"friends":[1,2]}}"#)
        #expect(SiteStreamEnvelope.wrap(forUser: 42, message: "{}", stringifyIDs: true) == #"{"for_user":"42","message":{}}"#)
    }

    @Test(arguments: SiteStreamFormat.allCases)
    func wrappingFromSharedBytesEqualsWrappingTheString(format: SiteStreamFormat) {
        let message = #"{"text":"héllo ✨","id":7}"#
        #expect(
            format.frame(forUser: 42, message: ByteBuffer(string: message), sequence: 9)
                == format.frame(SiteStreamEnvelope.wrap(forUser: 42, message: message), sequence: 9))
    }

    @Test func lengthDelimitedFramesCountUTF8BytesAndTheTrailingCRLF() {
        let json = #"{"text":"héllo ☃"}"#
        let frame = String(buffer: DelimitedEncoder.frame(json, lengthPrefixed: true))
        #expect(json.utf8.count == 21, "é is 2 bytes, ☃ is 3")
        #expect(frame == "23\r\n\(json)\r\n")
        #expect(String(buffer: DelimitedEncoder.frame(json, lengthPrefixed: false)) == "\(json)\r\n")
        #expect(String(buffer: DelimitedEncoder.keepalive) == "\r\n")
    }

    @Test func tweetsHaveTwittersShape() throws {
        let author = Fixtures.user(987_654_321, "Alice", followers: 15, verified: true)
        var t = Fixtures.tweet(1_234_567_890_123_456_789, by: author, text: "☃ hi @bob see #Swift and https://example.com")
        t.inReplyToStatusID = 5
        t.inReplyToUserID = 6
        let original = Fixtures.tweet(5, by: Fixtures.user(6, "bob"), text: "first")
        let json = TwitterMessage.tweet(t, quoted: original)
        #expect(json["id"] == .int(1_234_567_890_123_456_789))
        #expect(json["id_str"] == .string("1234567890123456789"))
        #expect(json["created_at"] == .string("Mon Jan 01 12:00:00 +0000 2024"))
        #expect(json["user"]?["screen_name"] == .string("Alice"))
        #expect(json["user"]?["id_str"] == .string("987654321"))
        #expect(json["user"]?["friends_count"] == .int(10))
        #expect(json["in_reply_to_status_id_str"] == .string("5"))
        #expect(json["in_reply_to_user_id"] == .int(6))
        #expect(json["quoted_status"]?["text"] == .string("first"))
        #expect(json["truncated"] == .bool(false))
        // Code-point indices: the snowman is one.
        #expect(json["entities"]?["user_mentions"]?.arrayValue?.first?["indices"] == .array([.int(5), .int(9)]))
        #expect(json["entities"]?["hashtags"]?.arrayValue?.first?["text"] == .string("Swift"))
        #expect(json["entities"]?["hashtags"]?.arrayValue?.first?["indices"] == .array([.int(14), .int(20)]))
        #expect(json["entities"]?["urls"]?.arrayValue?.first?["indices"] == .array([.int(25), .int(44)]))
    }

    @Test func eventsDeletesMessagesAndControl() {
        let a = Fixtures.user(1, "a"), b = Fixtures.user(2, "b")
        let follow = TwitterMessage.event("follow", source: a, target: b, at: Fixtures.created)
        #expect(follow["event"] == .string("follow"))
        #expect(follow["source"]?["id_str"] == .string("1"))
        #expect(follow["created_at"] == .string("Mon Jan 01 12:00:00 +0000 2024"))
        #expect(TwitterMessage.delete(tweetID: 9, userID: 1)["delete"]?["status"]?["user_id_str"] == .string("1"))
        let dm = TwitterMessage.directMessage(
            .init(id: 3, senderID: 1, recipientID: 2, text: "hi", createdAt: Fixtures.created), sender: a, recipient: b)
        #expect(dm["direct_message"]?["recipient_screen_name"] == .string("b"))
        #expect(TwitterMessage.json(TwitterMessage.control(uri: "/1.1/site/c/abc")) == #"{"control":{"control_uri":"/1.1/site/c/abc"}}"#)
        #expect(TwitterMessage.disconnect(.stall, streamName: "app-stream", reason: "queue full")["disconnect"]?["code"] == .int(4))
        #expect(TwitterMessage.fallingBehind(percentFull: 60)["warning"]?["code"] == .string("FALLING_BEHIND"))
        #expect(TwitterMessage.friends([7], stringify: true) == .object(["friends_str": .array([.string("7")])]))
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}
