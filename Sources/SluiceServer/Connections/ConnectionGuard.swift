import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Enforces `ConnectionLimits` on one HTTP/1 connection: first in the chain of handlers after part
/// decoding, so it sees every request and response of the connection, streams included.
///
/// - A request head must arrive within `headTimeout` of the connection's start, and its body within
///   `bodyTimeout` of the head: otherwise `408 request_timeout` and the connection is closed.
/// - A kept-alive connection with no request for `idleTimeout` after its last response is closed.
/// - While a request is being answered there is no deadline: a stream's response never ends, and its
///   own rules apply. Pipelined requests count until each has its answer.
/// - A connection past the cap is answered `503 server_busy` with `Retry-After` as soon as its head
///   arrives (answering before the request is read could make the client's kernel discard the answer),
///   and never reaches the application.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// Waiting for the first request (the head deadline runs).
        case awaitingFirstHead
        /// Between requests of a kept-alive connection (the idle deadline runs).
        case idle
        /// From a head until its body has ended and every request so far has its answer (the body
        /// deadline runs until the body ends).
        case exchange(requestEnded: Bool)
        /// A request that is not HTTP arrived behind requests not answered yet: it is refused once they are.
        case refusingAfterAnswers(APIError)
        /// Past the cap: waiting for a head to refuse.
        case overCap
        case closing
    }

    private let limits: ConnectionLimits
    private let census: ConnectionCensus
    private var phase = Phase.awaitingFirstHead
    private var counted = false
    /// Requests whose answers have not ended yet (more than one when pipelined).
    private var unanswered = 0
    /// Whether a response head went out since the connection last had every request answered.
    private var responseStarted = false
    private var deadline: Scheduled<Void>?

    /// How long a connection past the cap may take to send the head it is refused on.
    static let overCapHeadTimeout = TimeAmount.seconds(2)

    init(limits: ConnectionLimits, census: ConnectionCensus) {
        self.limits = limits
        self.census = census
    }

    // MARK: - Life

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        if census.opened() > limits.maxConnections {
            phase = .overCap
            census.noteRefused()
            schedule(Self.overCapHeadTimeout, context: context)
        } else {
            schedule(limits.headTimeout, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            census.closed()
        }
        phase = .closing
    }

    // MARK: - Requests and responses

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (phase, unwrapInboundIn(data)) {
        case (.closing, _):
            return
        case (.overCap, .head):
            phase = .closing
            refuse(
                APIError(.serviceUnavailable, code: "server_busy", message: "the server is at its connection limit; try again", retryAfterSeconds: 1),
                context: context)
            return
        case (.overCap, _):
            return
        case (.refusingAfterAnswers, _):
            return
        case (_, .head):
            phase = .exchange(requestEnded: false)
            unanswered += 1
            schedule(limits.bodyTimeout, context: context)
        case (.exchange, .end):
            if unanswered == 0 {
                // Answered early (a refusal before the body was read).
                becomeIdle(context: context)
            } else {
                phase = .exchange(requestEnded: true)
                cancelDeadline()
            }
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), head.status.code >= 200 { responseStarted = true }
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data), unanswered > 0 else { return }
        unanswered -= 1
        guard unanswered == 0 else { return }
        responseStarted = false
        switch phase {
        case .exchange(requestEnded: true):
            becomeIdle(context: context)
        case .refusingAfterAnswers(let error):
            phase = .closing
            refuse(error, context: context)
        default:
            // Answered early, before the body ended: the body's deadline still runs.
            break
        }
    }

    private func becomeIdle(context: ChannelHandlerContext) {
        phase = .idle
        schedule(limits.idleTimeout, context: context)
    }

    /// A request that is not HTTP (a garbage request line, a header over 80 KB, a length that is not a
    /// number) gets the same JSON error shape as everything else, then the connection is closed: after a
    /// parse error nothing more on it can be trusted.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // Bytes after a request that said `Connection: close` are ignored (RFC 9112 §9.6): that request
        // is answered, and the connection closes after it (`HTTP1ConnectionRules`).
        if case .closedConnection = error { return }
        let refusal = APIError.badRequest("bad_request", "the request is not valid HTTP/1.1: \(error)")
        switch phase {
        case .closing, .refusingAfterAnswers:
            return
        case _ where unanswered > 0 && responseStarted:
            // A response is under way (a stream's, perhaps, which never ends): do not interleave another.
            phase = .closing
            context.close(promise: nil)
        case _ where unanswered > 0:
            // Earlier requests are still being answered: the refusal waits its turn.
            phase = .refusingAfterAnswers(refusal)
            cancelDeadline()
        default:
            phase = .closing
            cancelDeadline()
            refuse(refusal, context: context)
        }
    }

    // MARK: - Deadlines

    private func schedule(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        cancelDeadline()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.expired(context: context)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    private func expired(context: ChannelHandlerContext) {
        deadline = nil
        // A request still arriving, before any answer to it started, is answered as timed out.
        let stillArriving: Bool
        switch phase {
        case .awaitingFirstHead: stillArriving = true
        case .exchange(requestEnded: false): stillArriving = !responseStarted
        default: stillArriving = false
        }
        if stillArriving {
            census.noteTimedOut()
            phase = .closing
            refuse(APIError(.requestTimeout, code: "request_timeout", message: "the request did not arrive in time"), context: context)
            return
        }
        switch phase {
        case .awaitingFirstHead, .idle, .overCap, .exchange, .refusingAfterAnswers:
            phase = .closing
            context.close(promise: nil)
        case .closing:
            break
        }
    }

    /// Answers with `error` and closes the connection: once the answer is written, or after
    /// `answerGrace` whatever became of it (a TLS handshake that never finished holds the answer back
    /// for good, and so does a client that does not read).
    private func refuse(_ error: APIError, context: ChannelHandlerContext) {
        error.write(to: context, closing: true)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.answerGrace) { channel.close(promise: nil) }
    }

    /// How long a refusal may take to reach the client before the connection is closed anyway.
    static let answerGrace = TimeAmount.seconds(1)
}
