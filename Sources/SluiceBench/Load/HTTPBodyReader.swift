/// The body of a raw HTTP/1.1 response, read as bytes arrive: skips the head and undoes chunked
/// transfer encoding, so a stream's lines come out whole wherever the chunk boundaries fall (a proxy
/// such as nginx re-chunks a stream freely). Cheap: data is copied in runs, not byte by byte.
struct HTTPBodyReader {
    private enum State {
        case head
        case size
        case sizeExtension
        case data(remaining: Int)
        case dataEnd(remaining: Int)
        case identity
        case done
    }

    private var state = State.head
    private var head: [UInt8] = []
    private var size = 0
    /// Set once the head has arrived: whether the status was 200.
    private(set) var succeeded: Bool?

    /// Appends to `body` the body bytes found in `bytes`.
    mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .head:
                head.append(bytes[index])
                index += 1
                if head.count >= 4, head[head.count - 4] == 13, head[head.count - 3] == 10, head[head.count - 2] == 13, head[head.count - 1] == 10 {
                    let text = String(decoding: head, as: UTF8.self).lowercased()
                    succeeded = text.hasPrefix("http/1.1 200")
                    state = text.contains("transfer-encoding: chunked") ? .size : .identity
                    head = []
                }
            case .size:
                let byte = bytes[index]
                index += 1
                if let digit = Self.hexValue(byte) {
                    size = size * 16 + digit
                } else if byte == UInt8(ascii: ";") {
                    state = .sizeExtension
                } else if byte == 10 {
                    state = size == 0 ? .done : .data(remaining: size)
                    size = 0
                }
            case .sizeExtension:
                if bytes[index] == 10 {
                    state = size == 0 ? .done : .data(remaining: size)
                    size = 0
                }
                index += 1
            case .data(let remaining):
                let run = min(remaining, bytes.count - index)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + run)]))
                index += run
                state = run == remaining ? .dataEnd(remaining: 2) : .data(remaining: remaining - run)
            case .dataEnd(let remaining):
                index += 1
                state = remaining == 1 ? .size : .dataEnd(remaining: remaining - 1)
            case .identity:
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index...]))
                index = bytes.count
            case .done:
                index = bytes.count
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        default: nil
        }
    }
}
