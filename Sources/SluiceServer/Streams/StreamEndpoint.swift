import HTTPTypes
import NIOCore
import SluiceCore

/// A kind of long-lived stream served by `StreamChannelHandler`: Private SSE or Site Streams.
///
/// The endpoint checks a request asynchronously (`admit`); the handler then opens the admitted stream
/// on the connection's event loop and writes whatever its outbox holds.
protocol StreamEndpoint: Sendable {
    /// Whether this endpoint serves requests for `path` (without its query).
    func serves(_ path: Substring) -> Bool
    /// A refusal decided on the head alone, before any body is read (and buffered): a request without
    /// credentials need not cost the server its body.
    func refusal(beforeBody head: HTTPRequest) -> APIError?
    /// Checks a request; on success, whatever the stream needs (a connection slot…) is held by the admission.
    func admit(_ request: StreamRequest) async -> Result<any StreamAdmission, APIError>
}

extension StreamEndpoint {
    func refusal(beforeBody head: HTTPRequest) -> APIError? { nil }
}

/// A stream request, read to its end.
struct StreamRequest: Sendable {
    var head: HTTPRequest
    /// The body (a form, for Site Streams' `POST`); empty for most requests.
    var body: ByteBuffer

    /// Most body bytes accepted before a stream request is refused with 413 (Site Streams' largest form,
    /// 100 user ids and the other parameters, is under 3 KB).
    static let maxBodyBytes = 16 * 1024

    static let bodyTooLarge = APIError(
        .contentTooLarge, code: "body_too_large", message: "stream requests take at most \(maxBodyBytes / 1024) KB of parameters")
}

/// A request that passed its endpoint's checks.
protocol StreamAdmission: Sendable {
    /// Starts the stream, on the connection's event loop. `wake` must be given to the stream's outbox.
    func open(wake: @escaping @Sendable () -> Void) -> OpenStream
    /// The client left before the stream opened: give back what the admission holds.
    func abandon()
}

/// A stream as its connection's handler drives it.
struct OpenStream: Sendable {
    var head: HTTPResponse
    var outbox: Outbox
    /// Graceful shutdown: close the outbox with a farewell saying so.
    var quiesce: @Sendable () -> Void
    /// The connection is gone: release everything the stream holds. Called once.
    var finish: @Sendable () -> Void
    /// Work that feeds the stream after it opens (a replay); cancelled when the connection goes.
    var run: (@Sendable () async -> Void)?
}

extension HTTPResponse {
    /// The head of a stream response: `200`, no caching, and no buffering by proxies (nginx honours
    /// `X-Accel-Buffering`), so every frame reaches the client as it is written; `Connection: close`.
    static func stream(contentType: String) -> HTTPResponse {
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = contentType
        head.headerFields[.cacheControl] = "no-cache"
        head.headerFields[HTTPField.Name("X-Accel-Buffering")!] = "no"
        // The connection ends with the stream: said up front, so that a client never puts it back in its
        // pool and sends the next request into a socket the server is closing.
        head.headerFields[.connection] = "close"
        return head
    }
}
