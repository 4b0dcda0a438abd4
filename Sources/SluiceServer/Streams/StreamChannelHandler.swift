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

    /// What the connection is doing: the decisions, apart from the channel (tested without one).
    private var machine: StreamConnectionStateMachine
    /// The open stream (while the machine is streaming).
    private var stream: OpenStream?
    /// Where the body's chunks are written: the HTTP encoder's context, whose next handler is the socket's side.
    private var chunkContext: ChannelHandlerContext?
    /// This loop's chunk cache.
    private var chunks: ChunkCache?
    /// The admission or replay task; cancelled when the connection goes.
    private var task: Task<Void, Never>?
    /// The connection's HTTP/1 rules (`answeringHTTP10`).
    private var rules: HTTP1ConnectionRules?
    /// An HTTP/1.0 stream's frames go out as they are (no chunks), and the close ends it.
    private var unframed = false
    /// On the main port: settles, at the first request, whether Hummingbird serves the connection at all
    /// (`StreamingHTTP1Channel`). Nil where Hummingbird is always or never there.
    private let handoff: ConnectionHandoff?

    init(endpoints: [any StreamEndpoint], handoff: ConnectionHandoff? = nil) {
        machine = StreamConnectionStateMachine(endpoints: endpoints)
        self.handoff = handoff
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
        let action = machine.received(unwrapInboundIn(data))
        if let handoff, !handoff.isSettled {
            // The first request decides: a part passed on needs Hummingbird; a stream never does.
            if case .forward = action {
                handoff.handToHummingbird(context.channel)
            } else {
                handoff.keepForStreams()
            }
        }
        perform(action, forwarding: data, context: context)
    }

    /// Only Hummingbird's answers pass here (a stream's own go out below this handler's context): the
    /// end of one may be the turn of a stream request waiting behind it.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data) else { return }
        perform(machine.passedAnswerEnded(), context: context)
    }

    /// Carries out what the state machine decided.
    private func perform(_ action: StreamConnectionStateMachine.Action, forwarding data: NIOAny? = nil, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .forward:
            if let data { context.fireChannelRead(data) }
        case .admit(let request, let endpoint):
            admit(request, at: endpoint, context: context)
        case .open(let admission):
            open(admission, context: context)
        case .abandon(let admission):
            admission.abandon()
        case .abandonAndRespond(let admission, let error):
            admission.abandon()
            error.write(to: context, closing: true, crossOrigin: true)
        case .respond(let error):
            finish()
            error.write(to: context, closing: true, crossOrigin: true)
        case .quiesceStream:
            stream?.quiesce()
        case .finishAndClose:
            finish()
            context.close(promise: nil)
        }
    }

    private func admit(_ request: StreamRequest, at endpoint: any StreamEndpoint, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        task = Task {
            let result = await endpoint.admit(request)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.perform(handler.machine.admitted(result), context: context)
            }
        }
    }

    private func open(_ admission: any StreamAdmission, context: ChannelHandlerContext) {
        // The cycle handler → stream → outbox → wake → handler ends in `finish()`, when the connection goes.
        let drain = StreamWakeups.Drain({ self.drain(context: context) }, eventLoop: context.eventLoop)
        let wakeups = StreamWakeups.of(context.eventLoop)
        let opened = admission.open(wake: { wakeups.wake(drain) })
        chunks = wakeups.chunks.value
        // Kept without its head, which is written once below (a stream's headers would otherwise stay in
        // memory for the life of the connection).
        var kept = opened
        kept.head = HTTPResponse(status: .ok)
        stream = kept
        // The head goes out at once (clients wait for it before reading); the first frames follow on the
        // wake. Without a length, the encoder declares the body chunked for HTTP/1.1, which is how
        // `writeBody` frames it; an HTTP/1.0 body goes unframed, and ends with the connection.
        unframed = rules?.answeringHTTP10 ?? false
        context.writeAndFlush(wrapOutboundOut(.head(opened.head)), promise: nil)
        chunkContext = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        if let run = opened.run {
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
        guard let outbox = stream?.outbox else { return }
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
        handoff?.keepForStreams()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        handoff?.keepForStreams()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, let action = machine.inputClosed() {
            perform(action, context: context)
            return
        }
        if event is ChannelShouldQuiesceEvent, let action = machine.quiesce() {
            perform(action, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Releases everything the stream held; safe to call more than once.
    private func finish() {
        task?.cancel()
        task = nil
        if let stream {
            stream.outbox.close(nil, farewell: nil, discardQueued: true)
            stream.finish()
        }
        stream = nil
        machine.connectionEnded()
    }
}
