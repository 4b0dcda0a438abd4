import NIOCore
import NIOHTTP1

/// The rules of HTTP/1 connections (RFC 9112) that the HTTPTypes side cannot apply, on both listeners.
///
/// It sits just before `HTTP1ToHTTPServerCodec`, which drops the request's version and writes every
/// response as HTTP/1.1:
/// - An HTTP/1.0 request is answered in HTTP/1.0, so never chunked (NIO's encoder then leaves a body
///   without a length to end with the connection), and the connection closes after the answer unless
///   the request asked to keep it and the answer has a length (§9.3). `StreamChannelHandler` asks
///   `answeringHTTP10` to write a stream's frames unframed.
/// - A request with `Connection: close` (even beside `keep-alive`), an HTTP/1.0 request with a
///   `Transfer-Encoding` (§6.1), and any answer that says `close` close the connection after the answer
///   (§9.6).
/// - A request with more than one `Host`, or one that is not a host and port, and an HTTP/1.1 request
///   without one, are answered `400 bad_request` and the connection closed (§3.2): which host a Site
///   Streams signature covers must not be a guess.
///
/// Pipelined requests are answered in order, so the rules of each apply to the answers in that order.
///
/// Once graceful shutdown began, a close waits for the answer's writes still in flight (at most
/// `closeGrace`): Hummingbird closes a connection as soon as it has *written* the end of the answer in
/// progress, and a close drops what the socket has not taken yet, which cut large answers (a page of
/// `GET /v1/events`) short.
final class HTTP1ConnectionRules: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Exchange {
        var version: HTTPVersion
        var keepAlive: Bool
        /// Refused here: answered `400` when its turn comes, never passed on.
        var refused = false
    }

    /// The oldest request not answered yet, then the ones pipelined behind it: held inline, so that a
    /// connection (an open stream's, above all) pays for no queue unless its client pipelines.
    private var current: Exchange?
    private var pipelined: [Exchange] = []
    /// Whether the answer being written ends the connection.
    private var closesAfterAnswer = false
    /// After a refused request nothing more is read from the connection.
    private var refusing = false
    /// Graceful shutdown began (`ChannelShouldQuiesceEvent` went by).
    private var quiescing = false
    /// Writes passed on whose outcome is not known yet (answers to REST requests: a stream's body does
    /// not pass here).
    private var writesInFlight = 0
    /// A close asked for while writes were in flight, during shutdown: run once they are done.
    private var deferredClose: EventLoopPromise<Void>?

    /// The longest a close waits for the writes in flight during shutdown (a client that stopped
    /// reading must not hold the shutdown).
    static let closeGrace = TimeAmount.seconds(10)

    /// Whether the answer being written is for an HTTP/1.0 request.
    var answeringHTTP10: Bool { current.map { $0.version.major == 1 && $0.version.minor == 0 } ?? false }

    /// Adds a request; true if it is the oldest unanswered one.
    private func enqueue(_ exchange: Exchange) -> Bool {
        guard current != nil else {
            current = exchange
            return true
        }
        pipelined.append(exchange)
        return false
    }

    /// The oldest request was answered: the next one's turn.
    private func dequeue() {
        current = pipelined.isEmpty ? nil : pipelined.removeFirst()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        guard case .head(let head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let isHTTP11 = head.version.major == 1 && head.version.minor >= 1
        let hosts = head.headers["host"]
        if hosts.count > 1 || (isHTTP11 && hosts.isEmpty) || !hosts.allSatisfy(Self.isHost) {
            refusing = true
            if enqueue(Exchange(version: head.version, keepAlive: false, refused: true)) { refuse(context: context) }
            return
        }
        let options = head.headers["connection"].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let keepAlive =
            !options.contains("close") && (isHTTP11 ? true : options.contains("keep-alive") && !head.headers.contains(name: "transfer-encoding"))
        _ = enqueue(Exchange(version: head.version, keepAlive: keepAlive))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let promise = tracked(promise, context: context)
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            guard let exchange = current else { break }
            let isHTTP10 = answeringHTTP10
            if isHTTP10 { head.version = .http1_0 }
            let answerCloses = head.headers["connection"].contains { $0.lowercased().contains("close") }
            // HTTP/1.0 has no chunks: a body without a length is delimited by the close.
            if !exchange.keepAlive || answerCloses || (isHTTP10 && !head.headers.contains(name: "content-length")) {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                closesAfterAnswer = true
            } else if isHTTP10 {
                head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .end:
            dequeue()
            if closesAfterAnswer {
                closesAfterAnswer = false
                let written = context.eventLoop.makePromise(of: Void.self)
                context.close(after: written.futureResult)
                written.futureResult.cascade(to: promise)
                context.write(data, promise: written)
                return
            }
            context.write(data, promise: promise)
            if current?.refused == true { refuse(context: context) }
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// `promise`, or a new one, counted in `writesInFlight` until it completes.
    private func tracked(_ promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) -> EventLoopPromise<Void> {
        let promise = promise ?? context.eventLoop.makePromise()
        writesInFlight += 1
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in
            let (handler, context) = bound.value
            handler.writesInFlight -= 1
            if handler.writesInFlight == 0 { handler.runDeferredClose(context: context) }
        }
        return promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { quiescing = true }
        context.fireUserInboundEventTriggered(event)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard quiescing, mode == .all, writesInFlight > 0 else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let deferredClose {
            promise.map { deferredClose.futureResult.cascade(to: $0) }
            return
        }
        let deferred = context.eventLoop.makePromise(of: Void.self)
        promise.map { deferred.futureResult.cascade(to: $0) }
        deferredClose = deferred
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.closeGrace) {
            let (handler, context) = bound.value
            handler.runDeferredClose(context: context)
        }
    }

    private func runDeferredClose(context: ChannelHandlerContext) {
        guard let deferred = deferredClose else { return }
        deferredClose = nil
        context.close(mode: .all, promise: deferred)
    }

    /// The punctuation a registered name may hold (RFC 3986 unreserved and sub-delims, and `%`): built
    /// once, not on every request head.
    private static let hostPunctuation = Set("-._~!$&'()*+,;=%")

    /// Whether a `Host` value is a host (a name, an IPv4 address or a bracketed IPv6 one) with an
    /// optional port: RFC 3986's authority without user information.
    static func isHost(_ value: String) -> Bool {
        guard !value.isEmpty else { return true }  // allowed when the target has no authority
        var host = Substring(value)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return false }
            port = rest.isEmpty ? nil : rest.dropFirst()
            host = host[host.index(after: host.startIndex)..<close]
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        } else {
            if let colon = host.lastIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || hostPunctuation.contains($0)) }) else { return false }
        }
        return port.map { $0.count <= 5 && $0.allSatisfy { $0.isASCII && $0.isNumber } } ?? true
    }

    /// Answers the refused request (its turn has come) and closes the connection.
    private func refuse(context: ChannelHandlerContext) {
        let error = APIError.badRequest("bad_request", "a request needs one Host header naming a host (HTTP/1.1: exactly one)")
        let body = ByteBuffer(string: (try? error.json()) ?? "{}")
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: "close")
        let version: HTTPVersion = answeringHTTP10 ? .http1_0 : .http1_1
        current = nil
        pipelined = []
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.close(after: context.writeAndFlush(wrapOutboundOut(.end(nil))))
    }
}
