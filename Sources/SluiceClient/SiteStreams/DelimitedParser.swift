/// Splits Twitter's streaming wire format into messages: `\r\n`-terminated JSON, blank keep-alive
/// lines skipped, and with `delimited=length` a byte count line before each message (checked).
public struct DelimitedParser: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// A length line was not a number, or the message did not end where its length said.
        case badLength(String)
    }

    public let lengthPrefixed: Bool
    private var buffer: [UInt8] = []
    /// With length prefixes: the size of the message being read, once its length line arrived.
    private var expected: Int?
    /// Keep-alive lines seen so far.
    public private(set) var keepalives = 0

    public init(lengthPrefixed: Bool) {
        self.lengthPrefixed = lengthPrefixed
    }

    /// Feeds bytes; returns the complete messages they finish, without their delimiters.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [String] {
        buffer.append(contentsOf: bytes)
        var messages: [String] = []
        var start = 0
        defer { buffer.removeFirst(start) }
        while start < buffer.count {
            if let length = expected {
                guard buffer.count - start >= length else { break }
                let message = buffer[start..<(start + length)]
                guard message.suffix(2).elementsEqual([13, 10]) else { throw Failure.badLength("message of \(length) bytes does not end with CRLF") }
                messages.append(String(decoding: message.dropLast(2), as: UTF8.self))
                start += length
                expected = nil
                continue
            }
            guard let newline = buffer[start...].firstIndex(of: 10) else { break }
            var line = buffer[start..<newline]
            if line.last == 13 { line = line.dropLast() }
            start = newline + 1
            if line.isEmpty {
                keepalives += 1
            } else if lengthPrefixed {
                let text = String(decoding: line, as: UTF8.self)
                guard let length = Int(text), length >= 2 else { throw Failure.badLength(text) }
                expected = length
            } else {
                messages.append(String(decoding: line, as: UTF8.self))
            }
        }
        return messages
    }
}
