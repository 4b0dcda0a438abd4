import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import SluiceCore

/// Every error Sluice answers with: `{"error": {"code": …, "message": …}}`, with a stable code clients
/// can switch on, a message people can read, the right status, and `Retry-After` where waiting helps.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// The index of the offending event, for batch errors.
    public var index: Int?
    public var retryAfterSeconds: Int?
    /// The methods the endpoint takes, for a `405` (`Allow`, RFC 9110 §10.2.1).
    public var allow: String?
    /// The challenge of a `401` (`WWW-Authenticate`, RFC 9110 §11.6.1): OAuth 1.0a for Site Streams,
    /// Bearer (an API key, the admin token, a stream token) when not given.
    public var challenge: String?

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, index: Int? = nil, retryAfterSeconds: Int? = nil,
        allow: String? = nil, challenge: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.index = index
        self.retryAfterSeconds = retryAfterSeconds
        self.allow = allow
        self.challenge = challenge
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headerFields, body: .init(byteBuffer: ByteBuffer(string: try json())))
    }

    /// The headers every error response carries, whoever writes it.
    var headerFields: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        // A browser never reads an error as anything but JSON (an error under /console included).
        headers[.xContentTypeOptions] = "nosniff"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let allow { headers[.allow] = allow }
        if status == .unauthorized { headers[.wwwAuthenticate] = challenge ?? #"Bearer realm="sluice""# }
        return headers
    }

    /// The error body as JSON.
    func json() throws -> String {
        try JSONCoding.string(ErrorBody(code: code, message: message, index: index))
    }
}

extension APIError {
    static func badRequest(_ code: String, _ message: String, index: Int? = nil) -> APIError {
        APIError(.badRequest, code: code, message: message, index: index)
    }

    static let missingCredentials = APIError(
        .unauthorized, code: "unauthorized", message: "missing credentials: send Authorization: Bearer <key>")
    static let invalidCredentials = APIError(.unauthorized, code: "unauthorized", message: "invalid or revoked credentials")

    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }

    /// Refuses the first of `given` that is not among `known`: unknown input is refused everywhere,
    /// never ignored, so that a misspelt parameter cannot pass for a setting that took effect.
    static func refuseUnknown(parameters given: some Sequence<String>, known: Set<String>) throws {
        guard let unknown = given.filter({ !known.contains($0) }).sorted().first else { return }
        let names = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
        throw APIError.badRequest("unknown_parameter", "unknown parameter \"\(unknown.prefix(40))\"; known: \(names)")
    }

    /// The same for the fields of a JSON request body (`in` names the object, `nil` for the body itself).
    static func refuseUnknown(fields given: some Sequence<String>, known: Set<String>, in object: String? = nil) throws {
        guard let unknown = given.filter({ !known.contains($0) }).sorted().first else { return }
        let place = object.map { " in \($0)" } ?? ""
        throw APIError.badRequest(
            "unknown_field", "unknown field \"\(unknown.prefix(40))\"\(place); known: \(known.sorted().joined(separator: ", "))")
    }

    /// An integer query parameter: `fallback` when absent, else a number in `range` or 400
    /// `invalid_parameter` naming it (the log's and grants' pages, the charts' minutes).
    static func integerParameter(_ value: String?, name: String, default fallback: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let value else { return fallback }
        guard let number = Int64(value), range.contains(number) else {
            throw APIError.badRequest("invalid_parameter", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func storeUnavailable(_ detail: String) -> APIError {
        APIError(.serviceUnavailable, code: "store_unavailable", message: "the store is unavailable, try again: \(detail)", retryAfterSeconds: 1)
    }
}

extension APIError {
    /// Writes the error as a whole response, for the channel handlers that answer outside Hummingbird's
    /// responder (streams, connection limits), with `Connection: close` when `closing` (the connection
    /// then closes once it is written) and the CORS header streams carry with `crossOrigin`.
    /// Returns the future of the write of its end.
    @discardableResult
    func write(to context: ChannelHandlerContext, closing: Bool, crossOrigin: Bool = false) -> EventLoopFuture<Void> {
        let body = ByteBuffer(string: (try? json()) ?? "{}")
        var head = HTTPResponse(status: status, headerFields: headerFields)
        head.headerFields[.contentLength] = String(body.readableBytes)
        if closing { head.headerFields[.connection] = "close" }
        if crossOrigin { head.headerFields[.accessControlAllowOrigin] = "*" }
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(body)), promise: nil)
        let end = context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)))
        if closing { context.close(after: end) }
        return end
    }
}
