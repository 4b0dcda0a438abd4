import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes
import SluiceCore

/// Serves `GET /sse/private` on the connection's event loop; passes every other request on to
/// Hummingbird untouched.
///
/// Sits in each HTTP/1 child channel after part decoding (Hummingbird's `additionalChannelHandlers`).
/// A stream costs this handler, a subscription and its outbox: no task, no `AsyncStream`. The hub pushes
/// shared frames into the outbox; the outbox wakes this handler, which writes all that is queued and
/// flushes once. It stops taking while the socket is not writable, which is what makes a slow reader's
/// outbox fill up; a closed connection is `channelInactive`, which frees the slot at once.
final class PrivateSSEChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Mode {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts are passed on.
        case passing
        /// A stream request whose head arrived; waiting for its end.
        case receiving(HTTPRequest)
        /// Checking the request (async).
        case admitting
        case streaming(PrivateSSESubscription, keyID: String)
        case closed
    }

    private let streams: PrivateSSEStreams
    private var mode = Mode.idle
    /// The admission or replay task; cancelled when the connection goes.
    private var task: Task<Void, Never>?

    init(streams: PrivateSSEStreams) {
        self.streams = streams
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (mode, part) {
        case (.idle, .head(let head)) where Self.isStreamRequest(head):
            mode = .receiving(head)
        case (.idle, .head):
            mode = .passing
            context.fireChannelRead(data)
        case (.passing, .end):
            mode = .idle
            context.fireChannelRead(data)
        case (.passing, _):
            context.fireChannelRead(data)
        case (.receiving(let head), .end):
            mode = .admitting
            admit(head, context: context)
        default:
            // A body on a stream request, or anything after it began: ignored.
            break
        }
    }

    static func isStreamRequest(_ head: HTTPRequest) -> Bool {
        guard let path = head.path else { return false }
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return route == PrivateSSEStreams.path || route == PrivateSSEStreams.path + "/"
    }

    private func admit(_ head: HTTPRequest, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let streams = self.streams
        task = Task {
            let result = await streams.admit(head)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.admitted(result, context: context)
            }
        }
    }

    private func admitted(_ result: Result<PrivateSSEStreams.Admission, APIError>, context: ChannelHandlerContext) {
        guard case .admitting = mode else {
            // The client left while we checked: give the slot back.
            if case .success(let admission) = result { streams.hub.releaseConnection(keyID: admission.key.id) }
            return
        }
        switch result {
        case .failure(let error):
            respond(with: error, context: context)
        case .success(let admission):
            open(admission, context: context)
        }
    }

    private func respond(with error: APIError, context: ChannelHandlerContext) {
        mode = .closed
        var body = ByteBuffer()
        body.writeString((try? error.json()) ?? "{}")
        var head = HTTPResponse(status: error.status)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.connection] = "close"
        if let retry = error.retryAfterSeconds { head.headerFields[.retryAfter] = String(retry) }
        head.headerFields[.accessControlAllowOrigin] = "*"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    private func open(_ admission: PrivateSSEStreams.Admission, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let subscription = PrivateSSESubscription(
            id: streams.hub.makeSubscriptionID(), keyID: admission.key.id, spec: admission.spec, eventNames: admission.eventNames,
            limits: admission.key.limits, expiresAt: admission.expiresAt.timeIntervalSince1970, outboxLimit: streams.outboxBytes,
            now: Date().timeIntervalSince1970,
            wake: {
                loopBound.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.drain(context: context)
                }
            })
        mode = .streaming(subscription, keyID: admission.key.id)

        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = "text/event-stream; charset=utf-8"
        head.headerFields[.cacheControl] = "no-cache"
        head.headerFields[HTTPField.Name("X-Accel-Buffering")!] = "no"
        // Browser apps on any origin may open streams: the token is in the URL and no cookie is involved.
        head.headerFields[.accessControlAllowOrigin] = "*"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        subscription.push(SSEEncoder.retry(milliseconds: PrivateSSEStreams.retryMilliseconds))
        subscription.push(streams.connected(admission, subscription: subscription))

        let streams = self.streams
        task = Task { await streams.replayAndJoin(subscription, after: admission.lastEventID) }
    }

    // MARK: - Writing

    /// Writes what the outbox holds, with one flush; closes the connection once the stream has ended.
    private func drain(context: ChannelHandlerContext) {
        guard case .streaming(let subscription, _) = mode else { return }
        guard context.channel.isWritable || subscription.outbox.isClosed else { return }
        switch subscription.outbox.take() {
        case .frames(let frames):
            for frame in frames { context.write(wrapOutboundOut(.body(frame)), promise: nil) }
            context.flush()
        case .end(_, let farewell):
            if let farewell { context.write(wrapOutboundOut(.body(farewell)), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            finish()
        case nil:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { drain(context: context) }
        context.fireChannelWritabilityChanged()
    }

    // MARK: - Ending

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            switch mode {
            case .streaming(let subscription, _):
                // Graceful shutdown: say why, then close (the drain closes the connection).
                subscription.close(.shutdown)
                return
            case .admitting, .receiving:
                finish()
                context.close(promise: nil)
                return
            default:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Releases everything the stream held; safe to call more than once.
    private func finish() {
        task?.cancel()
        task = nil
        if case .streaming(let subscription, let keyID) = mode {
            subscription.outbox.close(nil, farewell: nil, discardQueued: true)
            streams.hub.remove(subscription)
            streams.hub.releaseConnection(keyID: keyID)
        }
        if case .passing = mode { return }
        mode = .closed
    }
}
