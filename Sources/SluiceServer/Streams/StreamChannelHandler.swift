import HTTPTypes
import NIOCore
import NIOHTTPTypes
import SluiceCore

/// Serves the stream endpoints on the connection's event loop; passes every other request on to
/// Hummingbird untouched.
///
/// Sits in each HTTP/1 child channel after part decoding (Hummingbird's `additionalChannelHandlers`,
/// or the bare `StreamListener`). A stream costs this handler, its endpoint's subscription and an
/// outbox: no task, no `AsyncStream`. The hub pushes shared frames into the outbox; the outbox wakes
/// this handler, which writes all that is queued and flushes once. It stops taking while the socket is
/// not writable, which is what makes a slow reader's outbox fill up; a closed connection is
/// `channelInactive`, which releases the stream at once.
final class StreamChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Mode {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts are passed on.
        case passing
        /// A stream request whose head arrived; reading its body.
        case receiving(any StreamEndpoint, HTTPRequest, ByteBuffer)
        /// Checking the request (async).
        case admitting
        case streaming(OpenStream)
        case closed
    }

    private let endpoints: [any StreamEndpoint]
    private var mode = Mode.idle
    /// The admission or replay task; cancelled when the connection goes.
    private var task: Task<Void, Never>?

    init(endpoints: [any StreamEndpoint]) {
        self.endpoints = endpoints
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (mode, part) {
        case (.idle, .head(let head)):
            if let endpoint = endpoint(for: head) {
                mode = .receiving(endpoint, head, ByteBuffer())
            } else {
                mode = .passing
                context.fireChannelRead(data)
            }
        case (.passing, .end):
            mode = .idle
            context.fireChannelRead(data)
        case (.passing, _):
            context.fireChannelRead(data)
        case (.receiving(let endpoint, let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= StreamRequest.maxBodyBytes else {
                respond(with: APIError(.contentTooLarge, code: "body_too_large", message: "stream requests take at most 64 KB of parameters"), context: context)
                return
            }
            body.writeBuffer(&chunk)
            mode = .receiving(endpoint, head, body)
        case (.receiving(let endpoint, let head, let body), .end):
            mode = .admitting
            admit(StreamRequest(head: head, body: body), at: endpoint, context: context)
        default:
            // Anything after a stream request began: ignored.
            break
        }
    }

    private func endpoint(for head: HTTPRequest) -> (any StreamEndpoint)? {
        guard let path = head.path else { return nil }
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return endpoints.first { $0.serves(route) }
    }

    private func admit(_ request: StreamRequest, at endpoint: any StreamEndpoint, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        task = Task {
            let result = await endpoint.admit(request)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.admitted(result, context: context)
            }
        }
    }

    private func admitted(_ result: Result<any StreamAdmission, APIError>, context: ChannelHandlerContext) {
        guard case .admitting = mode else {
            // The client left while we checked.
            if case .success(let admission) = result { admission.abandon() }
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

    private func open(_ admission: any StreamAdmission, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let stream = admission.open(wake: {
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.drain(context: context)
            }
        })
        mode = .streaming(stream)
        // The head goes out at once (clients wait for it before reading); the first frames follow on the wake.
        context.writeAndFlush(wrapOutboundOut(.head(stream.head)), promise: nil)
        if let run = stream.run { task = Task { await run() } }
    }

    // MARK: - Writing

    /// Writes what the outbox holds, with one flush; closes the connection once the stream has ended.
    private func drain(context: ChannelHandlerContext) {
        guard case .streaming(let stream) = mode else { return }
        guard context.channel.isWritable || stream.outbox.isClosed else { return }
        switch stream.outbox.take() {
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
            case .streaming(let stream):
                // Graceful shutdown: say why, then close (the drain closes the connection).
                stream.quiesce()
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
        if case .streaming(let stream) = mode {
            stream.outbox.close(nil, farewell: nil, discardQueued: true)
            stream.finish()
        }
        if case .passing = mode { return }
        mode = .closed
    }
}
