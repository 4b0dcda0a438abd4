import NIOCore
import NIOHTTP1
import Synchronization

/// The deadlines and the cap every HTTP connection lives under, whatever it asks for.
///
/// A connection that never finishes its request would otherwise hold a file descriptor forever; with
/// a few thousand of them (the process may open 20,000 files), nobody else could connect. Streams, once
/// admitted, follow their own rules (heartbeats, idle timeout, slow-reader disconnect) instead.
public struct ConnectionLimits: Sendable {
    /// From the connection's start to its first request head.
    public var headTimeout: TimeAmount
    /// From a request's head to the end of its body.
    public var bodyTimeout: TimeAmount
    /// From the end of a response to the next request head on a kept-alive connection.
    public var idleTimeout: TimeAmount
    /// Connections open at once, all listeners together; past it, `503 server_busy`.
    public var maxConnections: Int

    public init(headTimeout: TimeAmount, bodyTimeout: TimeAmount, idleTimeout: TimeAmount, maxConnections: Int) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// Request heads of at most 16 KB (Hummingbird's default is 80 KB; nginx's, 32 KB): a half-sent head
    /// is memory held for a client that has not authenticated. Sluice's requests need far less (an OAuth
    /// header is under 1 KB).
    public static let maxHeadBytes = 16 * 1024

    static var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHeadBytes
        limits.maxHeaderListSize = maxHeadBytes
        limits.maxHeaderFieldCount = 100
        return limits
    }

    /// The default cap: what the process may open, less room for the store, logs and refusing politely.
    public static func defaultMaxConnections(fileLimit: Int) -> Int {
        max(64, fileLimit - 1_000)
    }
}

/// The number of connections open across the server's listeners, and what was refused or timed out.
public final class ConnectionCensus: Sendable {
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let timedOut = Atomic<Int>(0)

    public init() {}

    /// Counts a new connection; returns how many are open with it.
    func opened() -> Int { open.wrappingAdd(1, ordering: .relaxed).newValue }
    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }
    func noteRefused() { refused.wrappingAdd(1, ordering: .relaxed) }
    func noteTimedOut() { timedOut.wrappingAdd(1, ordering: .relaxed) }

    public var openConnections: Int { open.load(ordering: .relaxed) }
    public var refusedConnections: Int { refused.load(ordering: .relaxed) }
    public var timedOutRequests: Int { timedOut.load(ordering: .relaxed) }
}
