import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SluiceCore

/// A listener for streams only (`--stream-port`), as Twitter served its streams from `stream.` hosts:
/// a bare SwiftNIO HTTP/1 pipeline ending in `StreamChannelHandler`, without Hummingbird's
/// per-connection task. Any other request gets a JSON 404.
struct StreamListener: Service {
    let host: String
    let port: Int
    /// With a context, the listener speaks HTTPS only.
    let tls: NIOSSLContext?
    let endpoints: [any StreamEndpoint]
    let limits: ConnectionLimits
    let census: ConnectionCensus
    /// Ends every stream, saying why (shutdown).
    let closeAll: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        let endpoints = self.endpoints
        let tls = self.tls
        let limits = self.limits
        let census = self.census
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A client that half-closes after its request still gets its answer (as on the main port).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    // Parse errors are answered by ConnectionGuard, in the JSON error shape.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: true,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: ConnectionLimits.decoderLimits)
                    try channel.pipeline.syncOperations.addHandler(HTTP1ConnectionRules())
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: tls != nil))
                    try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limits: limits, census: census))
                    try channel.pipeline.syncOperations.addHandler(StreamChannelHandler(endpoints: endpoints))
                    try channel.pipeline.syncOperations.addHandler(NotAStreamHandler())
                }
            }
            .bind(host: host, port: port).get()
        let address = server.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        FileHandle.standardOutput.write(Data("sluice streams listening on \(address)\n".utf8))
        try? await gracefulShutdown()
        // Streams were ended by the hub's shutdown; stop accepting.
        closeAll()
        try await server.close()
    }
}

/// Answers every request that is not a stream with a JSON 404, and closes a connection its client
/// half-closed between requests (the end of what it had to ask).
final class NotAStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        APIError.notFound("this listener serves \(PrivateSSEStreams.path) and \(SiteStreams.path) only").write(to: context, closing: false)
    }
}
