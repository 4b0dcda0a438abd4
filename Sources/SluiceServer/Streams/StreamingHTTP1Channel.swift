import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The main port's HTTP/1 child channel: Hummingbird's `HTTP1Channel`, except that who serves a
/// connection is decided by its first request, before Hummingbird's asynchronous wrapper exists.
///
/// Hummingbird serves each connection from a task that lives as long as the connection does (it waits
/// for the close even after its last request). For a stream, which `StreamChannelHandler` serves on
/// the event loop without any task, that task and the `NIOAsyncChannel` under it were about 6 KB of
/// the 15 KB an idle stream cost on the main port, against 8.6 KB on the stream port (`sluice bench
/// idle`, issue 13). Here the connection's task only waits for the first request: a stream (or no
/// request at all) ends it at once, and any other request wraps the channel then
/// (`ConnectionHandoff`) and runs Hummingbird on it, for the rest of the connection, exactly as
/// `HTTP1Channel` would. (`setup` itself cannot wait for the request: NIO starts reading a child
/// channel only once its setup is done.)
struct StreamingHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// Hummingbird's wrapper once a request needs it; nil when none ever will.
        let decision: EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>
    }

    let responder: HTTPChannelHandler.Responder
    let endpoints: [any StreamEndpoint]
    let limits: ConnectionLimits
    let census: ConnectionCensus

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decided = channel.eventLoop.makePromise(of: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?.self)
            // As `HTTP1Channel.setup`, with the stream handler told how to hand over.
            let pipeline = channel.pipeline.syncOperations
            do {
                try pipeline.configureHTTPServerPipeline(
                    withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                    withEncoderConfiguration: .init(), withDecoderLimitConfiguration: ConnectionLimits.decoderLimits)
                try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                try pipeline.addHandler(ConnectionGuard(limits: limits, census: census))
                try pipeline.addHandler(StreamChannelHandler(endpoints: endpoints, handoff: ConnectionHandoff(decided)))
                try pipeline.addHandler(HTTPConnectionStateHandler(logger: logger))
            } catch {
                decided.fail(error)
                throw error
            }
            return Value(channel: channel, decision: decided.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A server cancelled while a connection has not sent its first request closes that connection,
        // as Hummingbird's own handler does with one it serves.
        let decided = await withTaskCancellationHandler {
            try? await value.decision.get()
        } onCancel: {
            value.channel.close(promise: nil)
        }
        guard let asyncChannel = decided else { return }
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

/// Settles, once, who serves a main-port connection (`StreamingHTTP1Channel`): the stream handler
/// alone, or Hummingbird too, by wrapping the channel in the `NIOAsyncChannel` its server reads from.
/// Used on the connection's event loop only.
final class ConnectionHandoff {
    private var decided: EventLoopPromise<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>?

    init(_ decided: EventLoopPromise<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>) {
        self.decided = decided
    }

    var isSettled: Bool { decided == nil }

    /// No Hummingbird for this connection: its first request is a stream, or it ended before sending one.
    func keepForStreams() {
        decided?.succeed(nil)
        decided = nil
    }

    /// Hummingbird serves the connection from now on; parts fired after this reach its wrapper.
    func handToHummingbird(_ channel: any Channel) {
        guard let decided else { return }
        self.decided = nil
        do {
            decided.succeed(try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)))
        } catch {
            decided.fail(error)
            channel.close(promise: nil)
        }
    }
}
