import NIOCore

/// The HTTP/1.1 chunks of the frames most recently written on one event loop.
///
/// The hub shares one frame among every stream an event goes to, so the streams of one loop write the
/// same frame one after another. Framing it as a chunk (`size CRLF frame CRLF`) once per loop, rather
/// than once per stream, turns each delivery into one shared buffer and one write, where it took three
/// writes and an allocation. Used only on its loop. A hit compares the frame's bytes, so a new frame
/// that happens to reuse a freed one's memory can never be mistaken for it.
final class ChunkCache {
    private var entries: [(frame: ByteBuffer, chunk: ByteBuffer)] = []
    private var next = 0
    /// Enough for a few events in flight at once; a miss only costs one framing.
    private static let capacity = 4

    func chunk(for frame: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        for entry in entries where entry.frame.readableBytes == frame.readableBytes && entry.frame == frame {
            return entry.chunk
        }
        var chunk = allocator.buffer(capacity: frame.readableBytes + 12)
        chunk.writeString(String(frame.readableBytes, radix: 16))
        chunk.writeStaticString("\r\n")
        chunk.writeImmutableBuffer(frame)
        chunk.writeStaticString("\r\n")
        if entries.count < Self.capacity {
            entries.append((frame, chunk))
        } else {
            entries[next] = (frame, chunk)
            next = (next + 1) % Self.capacity
        }
        return chunk
    }
}
