import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
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
///
/// Once the head is out, the body bypasses the HTTP handlers: each drain writes its frames as HTTP/1.1
/// chunks (framed once per loop, `ChunkCache`) straight into the context of NIO's `HTTPResponseEncoder`,
/// that is, to the socket (or TLS). A profile of fan-out to 10,000 streams showed each frame's trip through five HTTP handlers, and
/// the encoder's three buffers per frame, as the largest user-space cost of a delivery.
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
        /// A whole stream request, pipelined behind requests Hummingbird has not answered yet: it waits its
        /// turn, so that answers go out in the order of the requests.
        case waiting(any StreamEndpoint, StreamRequest)
        /// A refusal waiting its turn the same way (nothing more is read).
        case refusing(APIError)
        /// Checking the request (async).
        case admitting
        case streaming(OpenStream)
        case closed
    }

    private let endpoints: [any StreamEndpoint]
    private var mode = Mode.idle
    /// Where the body's chunks are written: the HTTP encoder's context, whose next handler is the socket's side.
    private var chunkContext: ChannelHandlerContext?
    /// The open stream's outbox, for the drain (which runs per delivery, and need not copy the stream).
    private var outbox: Outbox?
    /// This loop's chunk cache.
    private var chunks: ChunkCache?
    /// The admission or replay task; cancelled when the connection goes.
    private var task: Task<Void, Never>?
    /// Requests passed on to Hummingbird whose answers have not ended yet (pipelining on the main port,
    /// which has no pipelining handler of its own: a stream request's answer waits for theirs).
    private var unansweredPassed = 0
    /// The client half-closed the connection (it sent everything and will send no more): a stream
    /// request being checked still gets its refusal, but no stream opens for a client that left.
    private var inputClosed = false
    /// The connection's HTTP/1 rules (`answeringHTTP10`).
    private var rules: HTTP1ConnectionRules?
    /// An HTTP/1.0 stream's frames go out as they are (no chunks), and the close ends it.
    private var unframed = false

    init(endpoints: [any StreamEndpoint]) {
        self.endpoints = endpoints
    }

    /// Each connection keeps its receive buffer between reads; NIO's default first buffer is 2 KB, which
    /// an idle stream would hold for nothing (measured with heaptrack). Requests here are small, and the
    /// adaptive allocator still grows to 64 KB for a large body (ingest on the main port).
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(.recvAllocator, value: Self.receiveBuffers)
        // Hummingbird adds its extra handlers after the HTTPTypes codec; the HTTP/1 rules go before it.
        let pipeline = context.pipeline.syncOperations
        rules = try? pipeline.handler(type: HTTP1ConnectionRules.self)
        if rules == nil, let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            let added = HTTP1ConnectionRules()
            if (try? pipeline.addHandler(added, position: .before(codec))) != nil { rules = added }
        }
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (mode, part) {
        case (.idle, .head(let head)):
            if let endpoint = endpoint(for: head) {
                if let refusal = endpoint.refusal(beforeBody: head) {
                    if unansweredPassed > 0 { mode = .refusing(refusal) } else { respond(with: refusal, context: context) }
                    return
                }
                mode = .receiving(endpoint, head, ByteBuffer())
            } else {
                mode = .passing
                unansweredPassed += 1
                context.fireChannelRead(data)
            }
        case (.passing, .end):
            mode = .idle
            context.fireChannelRead(data)
        case (.passing, _):
            context.fireChannelRead(data)
        case (.receiving(let endpoint, let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= StreamRequest.maxBodyBytes else {
                if unansweredPassed > 0 { mode = .refusing(StreamRequest.bodyTooLarge) } else { respond(with: StreamRequest.bodyTooLarge, context: context) }
                return
            }
            body.writeBuffer(&chunk)
            mode = .receiving(endpoint, head, body)
        case (.receiving(let endpoint, let head, let body), .end):
            if unansweredPassed > 0 {
                mode = .waiting(endpoint, StreamRequest(head: head, body: body))
            } else {
                mode = .admitting
                admit(StreamRequest(head: head, body: body), at: endpoint, context: context)
            }
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
        case .success(let admission) where inputClosed:
            // Admitted for a client that has since closed its side (or left): a stream's end is how the
            // server learns its client left, so none opens; the place and the token go back, and the
            // client, if it is still reading, learns why.
            admission.abandon()
            respond(with: Self.halfClosed, context: context)
        case .success(let admission):
            open(admission, context: context)
        }
    }

    // MARK: - Answers in order

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        // Only Hummingbird's answers pass here (a stream's own go out below this handler's context).
        guard case .end = unwrapOutboundIn(data), unansweredPassed > 0 else { return }
        unansweredPassed -= 1
        guard unansweredPassed == 0 else { return }
        switch mode {
        case .waiting(let endpoint, let request):
            mode = .admitting
            admit(request, at: endpoint, context: context)
        case .refusing(let refusal):
            respond(with: refusal, context: context)
        default:
            break
        }
    }

    static let shuttingDown = APIError(
        .serviceUnavailable, code: "shutting_down", message: "the server is shutting down; reconnect (to another node, or here once it is back)",
        retryAfterSeconds: 1)
    static let halfClosed = APIError.badRequest(
        "bad_request", "the client closed its side of the connection before the stream opened; a stream needs it open both ways")

    private func respond(with error: APIError, context: ChannelHandlerContext) {
        mode = .closed
        error.write(to: context, closing: true, crossOrigin: true)
    }

    private func open(_ admission: any StreamAdmission, context: ChannelHandlerContext) {
        // The cycle handler → stream → outbox → wake → handler ends in `finish()`, when the connection goes.
        let drain = StreamWakeups.Drain({ self.drain(context: context) }, eventLoop: context.eventLoop)
        let wakeups = StreamWakeups.of(context.eventLoop)
        let stream = admission.open(wake: { wakeups.wake(drain) })
        outbox = stream.outbox
        chunks = wakeups.chunks.value
        // Kept without its head, which is written once below (a stream's headers would otherwise stay in
        // memory for the life of the connection).
        var kept = stream
        kept.head = HTTPResponse(status: .ok)
        mode = .streaming(kept)
        // The head goes out at once (clients wait for it before reading); the first frames follow on the
        // wake. Without a length, the encoder declares the body chunked for HTTP/1.1, which is how
        // `writeBody` frames it; an HTTP/1.0 body goes unframed, and ends with the connection.
        unframed = rules?.answeringHTTP10 ?? false
        context.writeAndFlush(wrapOutboundOut(.head(stream.head)), promise: nil)
        chunkContext = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        if let run = stream.run {
            // The task's handle is let go as soon as it ends: a finished task kept alive holds its memory.
            let done = NIOLoopBound(self, eventLoop: context.eventLoop)
            task = Task {
                await run()
                done.eventLoop.execute { done.value.task = nil }
            }
        } else {
            task = nil
        }
    }

    // MARK: - Writing

    /// Writes what the outbox holds, with one flush; closes the connection once the stream has ended.
    private func drain(context: ChannelHandlerContext) {
        guard let outbox else { return }
        guard context.channel.isWritable || outbox.isClosed else { return }
        switch outbox.take() {
        case .frames(let frames):
            writeBody(frames, context: context)
            flushBody(context: context)
            // An ended stream's last frames are written whether or not the client reads them; its end
            // follows at once, with the deadline below, so that a client that stopped reading cannot hold
            // the connection (and a graceful shutdown) open.
            if outbox.isClosed { drain(context: context) }
        case .end(let reason, let farewell):
            if let farewell { writeBody([farewell], context: context) }
            context.close(after: endBody(context: context))
            // A client that stopped reading never takes the farewell, and the write above would never
            // complete: the connection is closed after a grace period whatever happened to it (a short
            // one for a reader cut for not reading).
            let channel = context.channel
            let grace = reason == .slowReader ? Self.slowReaderGrace : Self.farewellGrace
            context.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
            finish()
        case nil:
            break
        }
    }

    /// Writes `frames` as chunks of the body: each frame its own chunk, framed once per loop (`ChunkCache`).
    private func writeBody(_ frames: [ByteBuffer], context: ChannelHandlerContext) {
        guard let chunkContext, let chunks else {
            for frame in frames { context.write(wrapOutboundOut(.body(frame)), promise: nil) }
            return
        }
        if unframed {
            for frame in frames where frame.readableBytes > 0 { chunkContext.write(NIOAny(frame), promise: nil) }
            return
        }
        for frame in frames where frame.readableBytes > 0 {
            chunkContext.write(NIOAny(chunks.chunk(for: frame, allocator: context.channel.allocator)), promise: nil)
        }
    }

    private func flushBody(context: ChannelHandlerContext) {
        if let chunkContext { chunkContext.flush() } else { context.flush() }
    }

    /// Writes the body's end (the last chunk) and flushes.
    private func endBody(context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard let chunkContext else { return context.writeAndFlush(wrapOutboundOut(.end(nil))) }
        if unframed {
            // Nothing marks the end but the close: an empty write completes once all before it are out.
            return chunkContext.writeAndFlush(NIOAny(ByteBuffer()))
        }
        return chunkContext.writeAndFlush(NIOAny(Self.lastChunk))
    }

    private static let lastChunk = ByteBuffer(string: "0\r\n\r\n")

    /// How long an ending stream may take to write its farewell before its connection is closed anyway.
    static let farewellGrace = TimeAmount.seconds(10)
    /// The same for a stream cut as a slow reader (one that starts reading again in that time still
    /// learns why it was cut).
    static let slowReaderGrace = TimeAmount.seconds(2)

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
        if case ChannelEvent.inputClosed = event {
            switch mode {
            case .admitting, .waiting, .refusing:
                // The request is whole: it is still answered (a refusal), and a stream never opens.
                inputClosed = true
                return
            case .receiving, .streaming:
                // A request cut short, or a stream whose client left: nothing more to say.
                finish()
                context.close(promise: nil)
                return
            case .idle, .passing, .closed:
                break
            }
        }
        if event is ChannelShouldQuiesceEvent {
            switch mode {
            case .streaming(let stream):
                // Graceful shutdown: say why, then close (the drain closes the connection).
                stream.quiesce()
                return
            case .refusing, .receiving, .waiting:
                // A stream request caught by the shutdown is answered, so that its client knows to retry;
                // in its turn, after the answers to requests ahead of it.
                if case .refusing = mode, unansweredPassed > 0 { return }
                if unansweredPassed > 0 {
                    mode = .refusing(Self.shuttingDown)
                } else if case .refusing(let refusal) = mode {
                    respond(with: refusal, context: context)
                } else {
                    respond(with: Self.shuttingDown, context: context)
                }
                return
            case .admitting:
                finish()
                respond(with: Self.shuttingDown, context: context)
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
        outbox = nil
        if case .passing = mode { return }
        mode = .closed
    }
}
