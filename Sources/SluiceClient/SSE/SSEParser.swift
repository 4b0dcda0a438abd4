/// One dispatched Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    /// The event type (`event:` field), `message` when none was given.
    public var type: String
    public var data: String
    /// The last event ID at the time of dispatch (persists across events until changed).
    public var lastEventID: String

    public init(type: String = "message", data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}

/// An incremental parser for `text/event-stream`, following the WHATWG HTML standard's
/// "Parsing an event stream" and "Interpreting an event stream": a leading BOM is dropped; lines end
/// with CRLF, LF or CR (also when split across chunks); `:` starts a comment; `id` persists until
/// changed and an empty `id` resets it; an `id` containing NUL is ignored; `retry` takes only digits;
/// an event without data is not dispatched; an unterminated event at the end of the stream is dropped.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var data: [String] = []
    private var hasData = false
    private var eventType = ""
    /// The last event ID buffer: what a reconnecting client sends as `Last-Event-ID`.
    public private(set) var lastEventID = ""
    /// The reconnection time the server asked for (`retry:`), in milliseconds.
    public private(set) var retry: Int?

    public init() {}

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                afterCR = true
                endLine(&events)
            case UInt8(ascii: "\n"):
                endLine(&events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    private var bomChecked = false

    private mutating func endLine(_ events: inout [SSEEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if !bomChecked {
            bomChecked = true
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            dispatch(&events)
            return
        }
        if bytes.first == UInt8(ascii: ":") { return }
        // Split on bytes, as the specification does on code points: a colon, a space or a NUL followed by
        // a combining mark is still a colon, a space or a NUL (as Characters, they would not be).
        var nameBytes = bytes
        var valueBytes = bytes[bytes.endIndex...]
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            nameBytes = bytes[..<colon]
            valueBytes = bytes[bytes.index(after: colon)...]
            if valueBytes.first == UInt8(ascii: " ") { valueBytes = valueBytes.dropFirst() }
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let fieldValue = String(decoding: valueBytes, as: UTF8.self)
        switch name {
        case "event":
            eventType = fieldValue
        case "data":
            data.append(fieldValue)
            hasData = true
        case "id":
            if !valueBytes.contains(0) { lastEventID = fieldValue }
        case "retry":
            if !fieldValue.isEmpty, fieldValue.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int(fieldValue) { retry = ms }
        default:
            break
        }
    }

    private mutating func dispatch(_ events: inout [SSEEvent]) {
        defer {
            data.removeAll()
            hasData = false
            eventType = ""
        }
        guard hasData else { return }
        events.append(SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: data.joined(separator: "\n"), lastEventID: lastEventID))
    }
}
