import NIOCore
import Testing

@testable import SluiceServer

/// A stream's frames framed as HTTP/1.1 chunks once per event loop: the cache must never hand one
/// frame's chunk to another, even of the same length.
@Suite struct ChunkCacheTests {
    let allocator = ByteBufferAllocator()

    @Test func aFrameBecomesOneWellFormedChunk() {
        let cache = ChunkCache()
        let frame = ByteBuffer(string: "event: tweet\nid: 7\ndata: {\"a\":1}\n\n")
        let chunk = cache.chunk(for: frame, allocator: allocator)
        #expect(String(buffer: chunk) == String(frame.readableBytes, radix: 16) + "\r\n" + String(buffer: frame) + "\r\n")
    }

    @Test func theSameFrameIsFramedOnceAndOthersOfTheSameLengthAreNotConfused() {
        let cache = ChunkCache()
        let a = ByteBuffer(string: "data: aaaa\n\n")
        let b = ByteBuffer(string: "data: bbbb\n\n")
        let first = cache.chunk(for: a, allocator: allocator)
        let again = cache.chunk(for: a, allocator: allocator)
        // Shared storage: the second answer is the first chunk, not a new one.
        #expect(first.withUnsafeReadableBytes { $0.baseAddress } == again.withUnsafeReadableBytes { $0.baseAddress })
        let other = cache.chunk(for: b, allocator: allocator)
        #expect(String(buffer: other).contains("bbbb"))
        #expect(!String(buffer: other).contains("aaaa"))
        // More distinct frames than the cache holds: every answer is still right.
        for n in 0..<20 {
            let frame = ByteBuffer(string: "data: \(n % 10)\(n % 10)\(n % 10)\(n % 10)\n\n")
            #expect(String(buffer: cache.chunk(for: frame, allocator: allocator)) == "c\r\n" + String(buffer: frame) + "\r\n")
        }
    }
}
