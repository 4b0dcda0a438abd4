import NIOCore

/// Twitter's streaming wire format: compact JSON messages each followed by `\r\n`, blank `\r\n` lines
/// as keep-alives, and with `delimited=length` each message preceded by its length in bytes (UTF-8,
/// counting the trailing `\r\n`) on a line of its own.
public enum DelimitedEncoder {
    public static func frame(_ json: String, lengthPrefixed: Bool) -> ByteBuffer {
        let length = json.utf8.count + 2
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length + (lengthPrefixed ? 12 : 0))
        if lengthPrefixed { buffer.writeString("\(length)\r\n") }
        buffer.writeString(json)
        buffer.writeString("\r\n")
        return buffer
    }

    /// The blank line sent to keep idle connections open.
    public static let keepalive = ByteBuffer(string: "\r\n")
}

/// Site Streams' wrapper: `{"for_user":ID,"message":{…}}`, with `for_user` first and no spaces, since
/// some clients find the user by position.
public enum SiteStreamEnvelope {
    public static func wrap(forUser userID: Int64, message json: String, stringifyIDs: Bool = false) -> String {
        let user = stringifyIDs ? "\"\(userID)\"" : String(userID)
        return #"{"for_user":\#(user),"message":\#(json)}"#
    }
}
