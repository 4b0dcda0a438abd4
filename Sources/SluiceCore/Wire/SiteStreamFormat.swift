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

    public var keepalive: ByteBuffer {
        self == .sse ? SSEEncoder.keepalive : DelimitedEncoder.keepalive
    }
}
