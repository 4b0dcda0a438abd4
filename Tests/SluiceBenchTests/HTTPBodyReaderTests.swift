import Testing

@testable import SluiceBench

/// The load generator's response reader: whatever the read and chunk boundaries, the body comes out
/// exactly (a proxy re-chunks streams freely; the first version read chunk framing as data).
@Suite struct HTTPBodyReaderTests {
    static let body = Array("event: tweet\nid: 1\ndata: {\"text\":\"lat 123\"}\n\nevent: tweet\nid: 2\ndata: {\"text\":\"lat 456\"}\n\n".utf8)

    /// The body sent in chunks of the given sizes, each with a chunk extension now and then.
    static func chunked(_ sizes: [Int]) -> [UInt8] {
        var wire = Array("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var offset = 0
        for (n, size) in sizes.enumerated() where offset < body.count {
            let part = body[offset..<min(body.count, offset + size)]
            wire += Array((String(part.count, radix: 16, uppercase: n % 2 == 0) + (n % 3 == 0 ? ";ext=1" : "") + "\r\n").utf8)
            wire += part + Array("\r\n".utf8)
            offset += part.count
        }
        return wire + Array("0\r\n\r\n".utf8)
    }

    func read(_ wire: [UInt8], splitEvery step: Int) -> ([UInt8], Bool?) {
        var reader = HTTPBodyReader()
        var out: [UInt8] = []
        var index = 0
        while index < wire.count {
            let end = min(wire.count, index + step)
            wire[index..<end].withUnsafeBufferPointer { reader.read($0, into: &out) }
            index = end
        }
        return (out, reader.succeeded)
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func chunkedBodiesComeOutWholeWhateverTheReads(step: Int) {
        for sizes in [[5, 9, 1, 200], [1, 1, 1, 1, 1, 1000], [Self.body.count], [17, 17, 17, 17, 17, 17, 17, 17]] {
            let (out, ok) = read(Self.chunked(sizes), splitEvery: step)
            #expect(out == Self.body, "chunks \(sizes), reads of \(step)")
            #expect(ok == true)
        }
    }

    @Test func identityBodiesAndRefusalsToo() {
        let plain = Array("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n".utf8) + Self.body
        #expect(read(plain, splitEvery: 5).0 == Self.body)
        let refused = Array("HTTP/1.1 429 Too Many Requests\r\ncontent-length: 2\r\n\r\n{}".utf8)
        #expect(read(refused, splitEvery: 3).1 == false)
    }
}
