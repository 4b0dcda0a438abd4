// `text/event-stream`: `SSEParser.feed`, the input being the stream's bytes.
//
// Properties checked besides "no crash, no hang":
// - the events, the last event ID and `retry` do not depend on how the stream is cut into chunks
//   (whole, byte by byte, in 2s, 3s, 7s, split at one point), CRLF split across chunks included;
// - they are what a direct transcription of the WHATWG "Parsing an event stream" algorithm below
//   gives, code point for code point (the standard works on code points, not grapheme clusters).

import FuzzSupport
import SluiceClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var results: [(name: String, result: Outcome)] = []
    for (name, chunks) in chunkings(of: bytes) {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        results.append((name, Outcome(events: events, lastEventID: parser.lastEventID, retry: parser.retry)))
    }
    let whole = results[0].result
    for (name, result) in results.dropFirst() {
        require(result == whole, "fed \(name): \(result) differs from fed whole: \(whole)")
    }
    let expected = reference(bytes)
    require(whole == expected, "parser: \(whole)\nstandard: \(expected)")
    return 0
}

struct Outcome: Equatable, CustomStringConvertible {
    var events: [SSEEvent]
    var lastEventID: String
    var retry: Int?

    static func == (a: Outcome, b: Outcome) -> Bool {
        a.retry == b.retry && sameScalars(a.lastEventID, b.lastEventID) && a.events.count == b.events.count
            && zip(a.events, b.events).allSatisfy {
                sameScalars($0.type, $1.type) && sameScalars($0.data, $1.data) && sameScalars($0.lastEventID, $1.lastEventID)
            }
    }

    var description: String {
        let list = events.map { "(type \(escaped($0.type)), data \(escaped($0.data)), id \(escaped($0.lastEventID)))" }
        return
            "\(events.count) events [\(list.joined(separator: ", "))], last event ID \(escaped(lastEventID)), retry \(retry.map(String.init) ?? "nil")"
    }
}

/// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation,
/// step by step, on code points. `retry` keeps a value only when it fits in an Int.
func reference(_ bytes: [UInt8]) -> Outcome {
    var scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
    if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
    var outcome = Outcome(events: [], lastEventID: "", retry: nil)
    var data = ""
    var eventType = ""
    var line: [Unicode.Scalar] = []
    var index = 0
    while index < scalars.count {
        let scalar = scalars[index]
        index += 1
        guard scalar == "\r" || scalar == "\n" else {
            line.append(scalar)
            continue
        }
        if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
        defer { line = [] }
        // Process the line.
        if line.isEmpty {
            // Dispatch.
            if data.isEmpty {
                eventType = ""
                continue
            }
            data.unicodeScalars.removeLast()  // the trailing LF
            outcome.events.append(SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: data, lastEventID: outcome.lastEventID))
            data = ""
            eventType = ""
            continue
        }
        if line.first == ":" { continue }
        var field = String.UnicodeScalarView()
        var value = String.UnicodeScalarView()
        if let colon = line.firstIndex(of: ":") {
            field.append(contentsOf: line[..<colon])
            var rest = line[(colon + 1)...]
            if rest.first == " " { rest = rest.dropFirst() }
            value.append(contentsOf: rest)
        } else {
            field.append(contentsOf: line)
        }
        switch Array(field) {
        case Array("event".unicodeScalars):
            eventType = String(value)
        case Array("data".unicodeScalars):
            data += String(value) + "\n"
        case Array("id".unicodeScalars):
            if !value.contains("\u{0}") { outcome.lastEventID = String(value) }
        case Array("retry".unicodeScalars):
            if !value.isEmpty, value.allSatisfy({ $0 >= "0" && $0 <= "9" }), let ms = Int(String(value)) { outcome.retry = ms }
        default:
            break
        }
    }
    return outcome
}
