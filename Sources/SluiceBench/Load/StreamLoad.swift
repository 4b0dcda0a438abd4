import NIOCore
import NIOPosix
import Synchronization

/// Many streaming HTTP connections from one process, for load tests. Each is a raw TCP channel with one
/// small handler that counts messages and reads the publish marker (``PublishMarker``) from them, so the
/// load generator stays cheap next to the server it measures, and measures any server the same way:
/// Sluice, nginx with nchan, or Pushpin.
public final class StreamLoad: Sendable {
    /// What all connections saw, merged.
    public struct Totals: Sendable {
        /// Streams whose response head said 200.
        public var connected = 0
        /// Streams refused (any other status).
        public var failed = 0
        /// Streams that ended, by either side.
        public var closed = 0
        /// Messages received.
        public var messages = 0
        /// Server-Sent Events that carried a numeric `id:` (Sluice's: the log's sequence number), so
        /// payloads apart from status notices.
        public var identified = 0
        /// Identified events whose id was not above the previous one on their connection: a duplicate,
        /// or one out of order.
        public var reordered = 0
        /// Publish-to-receipt latency of every message that carried a marker.
        public var latency = LatencyHistogram()
        /// When the last marked message arrived (``ProcessStats/wallNanoseconds()``), 0 before any.
        public var lastMessageAt: Int64 = 0
    }

    /// Shared by every connection's handler; each read takes the lock once.
    final class SharedTotals: Sendable {
        let state = Mutex(Totals())
    }

    /// How messages are framed in the body.
    public enum Framing: Sendable {
        /// Server-Sent Events: a message is a `data:` line (a multi-line event counts once per line).
        case serverSentEvents
        /// One JSON object per line (Twitter's delimited streams, with or without length lines).
        case jsonLines
    }

    private let group: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private let totals = SharedTotals()
    private let channels = Mutex<[any Channel]>([])
    private let framing: Framing

    public init(framing: Framing = .serverSentEvents, threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        ownsGroup = true
        self.framing = framing
    }

    public var snapshot: Totals { totals.state.withLock { $0 } }

    /// Forgets latencies and message counts so far (after warm-up).
    public func resetMessages() {
        totals.state.withLock {
            $0.messages = 0
            $0.identified = 0
            $0.reordered = 0
            $0.latency = LatencyHistogram()
            $0.lastMessageAt = 0
        }
    }

    /// Opens a stream at `path` on `host:port`, from `sourceAddress` if given, and returns once the server
    /// answered the request's head; throws ``LoadError/refused`` if that answer was not 200.
    ///
    /// - Parameter keep: whether the connection stays open (and counted) once admitted; `false` closes it at once.
    @discardableResult
    public func open(
        host: String, port: Int, path: String, headers: [(String, String)] = [], sourceAddress: String? = nil, keep: Bool = true
    ) async throws -> any Channel {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
        let totals = self.totals
        let framing = self.framing
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        LoadStreamHandler(totals: totals, framing: framing, ready: readyContinuation))
                }
            }
        if let sourceAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0)) }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        if keep { channels.withLock { $0.append(channel) } }
        var request = ByteBuffer()
        // The framing asked for: a server that offers both (Sluice's Site Streams do) picks by `Accept`.
        let accept = framing == .serverSentEvents ? "text/event-stream" : "application/json"
        request.writeString("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAccept: \(accept)\r\n")
        for (name, value) in headers { request.writeString("\(name): \(value)\r\n") }
        request.writeString("\r\n")
        try await channel.writeAndFlush(request)
        for await ok in ready {
            if !ok {
                try? await channel.close()
                throw LoadError.refused
            }
            if !keep { try? await channel.close() }
            return channel
        }
        throw LoadError.refused
    }

    public enum LoadError: Error { case refused }

    /// Closes every connection and stops the event loops.
    public func shutdown() async throws {
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        if ownsGroup { try await group.shutdownGracefully() }
    }
}

/// Counts messages on one connection and records the latency of marked ones.
final class LoadStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let totals: StreamLoad.SharedTotals
    private let framing: StreamLoad.Framing
    private var ready: AsyncStream<Bool>.Continuation?
    private var reader = HTTPBodyReader()
    /// The unfinished last line of the previous read.
    private var carry: [UInt8] = []
    private var body: [UInt8] = []
    /// The last numeric SSE `id:` on this connection.
    private var lastID: Int64?

    init(totals: StreamLoad.SharedTotals, framing: StreamLoad.Framing, ready: AsyncStream<Bool>.Continuation) {
        self.totals = totals
        self.framing = framing
        self.ready = ready
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = ProcessStats.wallNanoseconds()
        body.removeAll(keepingCapacity: true)
        buffer.withUnsafeReadableBytes { raw in reader.read(raw.bindMemory(to: UInt8.self), into: &body) }
        if let ready, let ok = reader.succeeded {
            totals.state.withLock { ok ? ($0.connected += 1) : ($0.failed += 1) }
            ready.yield(ok)
            ready.finish()
            self.ready = nil
        }
        guard !body.isEmpty else { return }
        var messages = 0
        var identified = 0
        var reordered = 0
        var latencies: [Int64] = []
        let framing = self.framing
        var lastID = self.lastID
        defer { self.lastID = lastID }
        body.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            // Lines are scanned where they lie; only a line cut by the end of a read is copied.
            func scan(_ line: UnsafeBufferPointer<UInt8>) {
                if framing == .serverSentEvents, let id = Self.eventID(line) {
                    identified += 1
                    if let last = lastID, id <= last { reordered += 1 }
                    lastID = id
                    return
                }
                guard Self.isMessage(line, framing) else { return }
                messages += 1
                if let marker = PublishMarker.find(in: line) { latencies.append(now - marker) }
            }
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
                if carry.isEmpty {
                    scan(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]))
                } else {
                    (carry + bytes[lineStart..<index]).withUnsafeBufferPointer { scan($0) }
                    carry.removeAll()
                }
                lineStart = index + 1
            }
            carry += UnsafeBufferPointer(rebasing: bytes[lineStart...])
        }
        if messages > 0 || identified > 0 {
            totals.state.withLock {
                $0.messages += messages
                $0.identified += identified
                $0.reordered += reordered
                for latency in latencies { $0.latency.record(nanoseconds: latency) }
                if !latencies.isEmpty { $0.lastMessageAt = now }
            }
        }
    }

    static func isMessage(_ line: UnsafeBufferPointer<UInt8>, _ framing: StreamLoad.Framing) -> Bool {
        switch framing {
        case .serverSentEvents: PublishMarker.hasPrefix(line, dataPrefix)
        case .jsonLines: line.first == UInt8(ascii: "{")
        }
    }

    static let dataPrefix = Array("data:".utf8)
    static let idPrefix = Array("id:".utf8)

    /// The number of an SSE `id:` line (`id: 42` or `id:42`), if it is one with a decimal id.
    static func eventID(_ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard PublishMarker.hasPrefix(line, idPrefix) else { return nil }
        var digits = line.dropFirst(idPrefix.count)
        if digits.first == UInt8(ascii: " ") { digits = digits.dropFirst() }
        if digits.last == UInt8(ascii: "\r") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    func channelInactive(context: ChannelHandlerContext) {
        totals.state.withLock { $0.closed += 1 }
        ready?.yield(false)
        ready?.finish()
        ready = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
