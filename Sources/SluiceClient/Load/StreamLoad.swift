import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Many Private SSE connections from one process, for load tests: each is a raw TCP channel with
/// one small handler that counts events and reads the latency marker `lat <nanoseconds>` from tweet
/// text, so the load generator stays cheap next to the server it measures.
public final class StreamLoad: Sendable {
    /// What all connections saw, merged.
    public struct Totals: Sendable {
        public var connected = 0
        public var failed = 0
        public var closed = 0
        public var events = 0
        /// (marker, receipt time), nanoseconds since 1970, for every marked event received.
        public var receipts: [(marker: Int64, receivedAt: Int64)] = []
    }

    /// Shared by every connection's handler.
    final class SharedTotals: Sendable {
        let state = Mutex(Totals())
    }

    private let group: MultiThreadedEventLoopGroup
    private let totals = SharedTotals()
    private let channels = Mutex<[any Channel]>([])

    public init(threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    public var snapshot: Totals { totals.state.withLock { $0 } }

    public func resetReceipts() { totals.state.withLock { $0.receipts.removeAll(keepingCapacity: true) } }

    /// Opens a stream at `path` on `host:port`, from `sourceAddress` if given; returns once the server
    /// answered the request (connected or refused).
    public func open(host: String, port: Int, path: String, sourceAddress: String? = nil) async throws {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
        let totals = self.totals
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LoadStreamHandler(totals: totals, ready: readyContinuation))
                }
            }
        if let sourceAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0)) }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        channels.withLock { $0.append(channel) }
        var request = ByteBuffer()
        request.writeString("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAccept: text/event-stream\r\n\r\n")
        try await channel.writeAndFlush(request)
        for await ok in ready {
            if !ok { throw LoadError.refused }
            return
        }
        throw LoadError.refused
    }

    public enum LoadError: Error { case refused }

    /// Closes every connection and stops the event loops.
    public func shutdown() async throws {
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        try await group.shutdownGracefully()
    }
}

/// Counts events on one connection and collects latency markers.
final class LoadStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let totals: StreamLoad.SharedTotals
    private var ready: AsyncStream<Bool>.Continuation?
    private var reader = HTTPBodyReader()
    /// The unfinished last line of the previous read.
    private var carry: [UInt8] = []
    private var body: [UInt8] = []

    init(totals: StreamLoad.SharedTotals, ready: AsyncStream<Bool>.Continuation) {
        self.totals = totals
        self.ready = ready
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        body.removeAll(keepingCapacity: true)
        buffer.withUnsafeReadableBytes { raw in reader.read(raw.bindMemory(to: UInt8.self), into: &body) }
        if let ready, let ok = reader.succeeded {
            totals.state.withLock { ok ? ($0.connected += 1) : ($0.failed += 1) }
            ready.yield(ok)
            ready.finish()
            self.ready = nil
        }
        var events = 0
        var receipts: [(marker: Int64, receivedAt: Int64)] = []
        body.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            // Lines are scanned where they lie; only a line cut by the end of a read is copied.
            func scan(_ line: UnsafeBufferPointer<UInt8>) {
                guard Self.hasPrefix(line, Self.dataPrefix) else { return }
                events += 1
                if let marker = Self.marker(in: line) { receipts.append((marker, now)) }
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
        if events > 0 {
            totals.state.withLock {
                $0.events += events
                $0.receipts += receipts
            }
        }
    }

    /// The number after `"text":"lat `, if the line has one. Plain loops: this runs for every line
    /// of every connection, and must cost the load generator far less than it costs the server.
    static func marker(in line: UnsafeBufferPointer<UInt8>) -> Int64? {
        let prefix = markerPrefix
        guard line.count > prefix.count else { return nil }
        var start = 0
        while start + prefix.count <= line.count {
            if line[start] == prefix[0], hasPrefix(UnsafeBufferPointer(rebasing: line[start...]), prefix) { break }
            start += 1
        }
        var index = start + prefix.count
        guard index < line.count else { return nil }
        var value: Int64 = 0
        let first = index
        while index < line.count, line[index] >= 0x30, line[index] <= 0x39 {
            value = value * 10 + Int64(line[index] - 0x30)
            index += 1
        }
        return index > first ? value : nil
    }

    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for i in 0..<prefix.count where bytes[i] != prefix[i] { return false }
        return true
    }

    static let markerPrefix = Array(#""text":"lat "#.utf8)
    static let dataPrefix = Array("data: ".utf8)

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
