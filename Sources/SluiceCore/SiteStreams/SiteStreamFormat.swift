import NIOCore

/// How a Site Streams connection frames its messages, chosen when it opens.
public enum SiteStreamFormat: String, Sendable, Hashable, CaseIterable {
    /// Twitter's default: each message followed by `\r\n`.
    case newline
    /// `delimited=length`: each message preceded by its length in bytes on a line of its own.
    case length
    /// `Accept: text/event-stream`: Server-Sent Events, with the log's sequence numbers as event ids.
    case sse

    public func frame(_ json: String, sequence: Int64? = nil) -> ByteBuffer {
        switch self {
        case .newline: DelimitedEncoder.frame(json, lengthPrefixed: false)
        case .length: DelimitedEncoder.frame(json, lengthPrefixed: true)
        case .sse: SSEEncoder.event(name: nil, id: sequence, data: json)
        }
    }

    /// `{"for_user":USER,"message":MESSAGE}`, framed: the same bytes as framing
    /// `SiteStreamEnvelope.wrap(forUser:message:)`, written straight from the shared message bytes
    /// without an intermediate string, since this runs once per recipient user of every event.
    public func frame(forUser user: Int64, message: ByteBuffer, sequence: Int64? = nil) -> ByteBuffer {
        let prefix = #"{"for_user":\#(user),"message":"#
        let length = prefix.utf8.count + message.readableBytes + 1
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length + 32)
        switch self {
        case .newline: break
        case .length: buffer.writeString("\(length + 2)\r\n")
        case .sse:
            if let sequence { buffer.writeString("id: \(sequence)\n") }
            buffer.writeString("data: ")
        }
        buffer.writeString(prefix)
        buffer.writeImmutableBuffer(message)
        buffer.writeString(self == .sse ? "}\n\n" : "}\r\n")
        return buffer
    }

    public var keepalive: ByteBuffer {
        self == .sse ? SSEEncoder.keepalive : DelimitedEncoder.keepalive
    }
}
