import Foundation

/// The quick way through an ingest body: each event read by `ModelJSONReader` when it can, by
/// `JSONDecoder` alone when it cannot (other kinds, unusual forms).
///
/// It only ever accepts: a body it cannot take whole (a malformed element, an event some rule
/// refuses, too many events) gives nil, and `EventBatchParser` parses it again the Foundation way,
/// so that a refusal and its message are exactly what they always were.
enum FastBatchParser {
    static func parse(_ body: Data, format: EventBatchParser.Format) -> [Event]? {
        body.withUnsafeBytes { raw -> [Event]? in
            let bytes = raw.bindMemory(to: UInt8.self)
            let elements: [Range<Int>]?
            switch format {
            case .jsonArray: elements = arrayElements(bytes)
            case .ndjson: elements = lines(bytes)
            }
            guard let elements, !elements.isEmpty, elements.count <= EventBatchParser.maxEvents else { return nil }
            let decoder = EventBatchParser.ingestDecoder()
            var events: [Event] = []
            events.reserveCapacity(elements.count)
            for range in elements {
                let element = UnsafeBufferPointer(rebasing: bytes[range])
                if let event = ModelJSONReader.publishedEvent(element) {
                    events.append(event)
                } else if let event = try? decoder.decode(Event.self, from: Data(buffer: element)) {
                    events.append(event)
                } else {
                    return nil
                }
            }
            return events
        }
    }

    /// The byte ranges of a top-level array's elements (or of a lone object), found by tracking
    /// strings and nesting; nil when the body is not shaped so.
    static func arrayElements(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        var index = 0
        func skipWhitespace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }
        skipWhitespace()
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "{") { return [index..<bytes.count] }
        guard bytes[index] == UInt8(ascii: "[") else { return nil }
        index += 1
        var elements: [Range<Int>] = []
        var depth = 0
        var start: Int?
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    if start == nil { start = index }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if start == nil { start = index }
                    depth += 1
                    // Deep nesting is Foundation's to decide on the whole body, as before: its limit
                    // counts the array's own level, which decoding an element alone would not.
                    guard depth < ModelJSONReader.maxDepth else { return nil }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 {
                        // The array's end: nothing may follow but whitespace.
                        guard byte == UInt8(ascii: "]") else { return nil }
                        if let start { elements.append(start..<index) } else if !elements.isEmpty { return nil }
                        index += 1
                        skipWhitespace()
                        return index == bytes.count ? elements : nil
                    }
                    depth -= 1
                case UInt8(ascii: ",") where depth == 0:
                    guard let begun = start else { return nil }
                    elements.append(begun..<index)
                    start = nil
                case 0x20, 0x0A, 0x0D, 0x09:
                    break
                default:
                    if start == nil { start = index }
                }
            }
            index += 1
        }
        return nil
    }

    /// The non-blank lines of an NDJSON body.
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
            if bytes[start..<index].contains(where: { !($0 == 0x20 || $0 == 0x0D || $0 == 0x09) }) { ranges.append(start..<index) }
            start = index + 1
        }
        return ranges
    }
}
