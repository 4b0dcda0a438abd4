import NIOCore

/// Server-Sent Events framing (WHATWG HTML, "Server-sent events").
///
/// Frames are built once per event and shared, as `ByteBuffer`s, by every subscriber that gets them.
/// `data` must be a single line, which compact JSON always is.
public enum SSEEncoder {
    public static func event(name: String?, id: Int64?, data: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(data.utf8.count + 40)
        if let name { buffer.writeString("event: \(name)\n") }
        if let id { buffer.writeString("id: \(id)\n") }
        buffer.writeString("data: ")
        buffer.writeString(data)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment line: ignored by clients, keeps proxies from timing the connection out.
    public static func comment(_ text: String) -> ByteBuffer {
        ByteBuffer(string: ": \(text)\n\n")
    }

    /// The reconnection delay a client should use, in milliseconds.
    public static func retry(milliseconds: Int) -> ByteBuffer {
        ByteBuffer(string: "retry: \(milliseconds)\n\n")
    }

    public static let keepalive = comment("keepalive")
}
