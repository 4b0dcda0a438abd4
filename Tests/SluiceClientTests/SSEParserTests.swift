import SluiceClient
import Testing

/// The WHATWG "Parsing an event stream" rules, one by one.
@Suite struct SSEParserTests {
    func parse(_ chunks: [String]) -> [SSEEvent] {
        var parser = SSEParser()
        return chunks.flatMap { parser.feed(Array($0.utf8)) }
    }

    @Test func basicEventWithTypeAndID() {
        #expect(parse(["event: tweet\nid: 7\ndata: {\"a\":1}\n\n"]) == [SSEEvent(type: "tweet", data: "{\"a\":1}", lastEventID: "7")])
    }

    @Test(arguments: ["\n", "\r", "\r\n"])
    func everyLineEnding(_ end: String) {
        let stream = "data: a\(end)data: b\(end)\(end)data: c\(end)\(end)"
        #expect(parse([stream]).map(\.data) == ["a\nb", "c"])
    }

    /// Found by fuzzing (Fuzz/Regressions/FuzzSSE): the field separators are code points, so a colon, a
    /// space or a NUL followed by a combining mark still counts as one.
    @Test func separatorsFollowedByCombiningMarks() {
        #expect(parse(["event:\u{301}\rdata\r\r"]) == [SSEEvent(type: "\u{301}", data: "", lastEventID: "")])
        #expect(parse(["data: \u{301}x\n\n"]).map(\.data) == ["\u{301}x"])
        #expect(parse(["id: 1\u{0}\u{301}\ndata: a\n\n"]).map(\.lastEventID) == [""], "an id with a NUL is ignored")
    }

    @Test func crlfSplitAcrossChunks() {
        #expect(parse(["data: x\r", "\n\r", "\ndata: y\r\n\r\n"]).map(\.data) == ["x", "y"])
    }

    @Test func leadingBOMIsDropped() {
        #expect(parse(["\u{FEFF}data: hi\n\n"]).map(\.data) == ["hi"])
        // Only one, and only at the start of the stream.
        #expect(parse(["data: a\n\n\u{FEFF}data: b\n\n"]).count == 1)
    }

    @Test func commentsAndUnknownFieldsAreIgnored() {
        #expect(parse([": keepalive\n\nfoo: bar\ndata: z\n\n"]) == [SSEEvent(data: "z")])
    }

    @Test func idPersistsAndEmptyIDResets() {
        let events = parse(["id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"])
        #expect(events.map(\.lastEventID) == ["5", "5", ""])
    }

    @Test func idWithNULIsIgnored() {
        #expect(parse(["id: 3\n\nid: 4\u{0}x\ndata: a\n\n"]).map(\.lastEventID) == ["3"])
    }

    @Test func retryTakesOnlyDigits() {
        var parser = SSEParser()
        _ = parser.feed(Array("retry: 5000\n\n".utf8))
        #expect(parser.retry == 5000)
        _ = parser.feed(Array("retry: 10s\n\nretry: -1\n\n".utf8))
        #expect(parser.retry == 5000)
    }

    @Test func onlyOneLeadingSpaceIsRemovedAndNoColonMeansEmptyValue() {
        #expect(parse(["data:  two spaces\n\ndata\ndata\n\n"]).map(\.data) == [" two spaces", "\n"])
    }

    @Test func eventWithoutDataIsNotDispatchedButTypeResets() {
        #expect(parse(["event: x\n\ndata: y\n\n"]) == [SSEEvent(type: "message", data: "y")])
    }

    @Test func unterminatedEventAtEndIsDropped() {
        #expect(parse(["data: done\n\ndata: partial\n"]).map(\.data) == ["done"])
    }

    @Test func byteAtATime() {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in "event: user\r\nid: 9\r\ndata: é\r\n\r\n".utf8 { events += parser.feed([byte]) }
        #expect(events == [SSEEvent(type: "user", data: "é", lastEventID: "9")])
    }
}
