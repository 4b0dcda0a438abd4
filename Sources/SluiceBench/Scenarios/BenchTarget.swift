import AsyncHTTPClient
import Foundation
import SluiceClient
import SluiceCore

/// The server a scenario measures.
public enum BenchTarget: Sendable {
    /// Sluice, set up through its admin API: a key with room for the run, a stream token bought for every
    /// connection, tweets published through `POST /v1/events`.
    case sluice(SluiceTarget)
    /// Any streaming server (nginx with nchan, Pushpin, …), described by URLs, so the same tool measures
    /// it exactly as it measures Sluice.
    case generic(GenericTarget)

    public var label: String {
        switch self {
        case .sluice(let target): target.label
        case .generic(let target): target.label
        }
    }
}

/// A Sluice server under test.
public struct SluiceTarget: Sendable {
    public var baseURL: String
    /// Where streams are opened, if not at `baseURL` (a server's `--stream-port`).
    public var streamURL: String?
    public var adminToken: String
    public var label: String

    public init(baseURL: String, streamURL: String? = nil, adminToken: String, label: String = "sluice") {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.streamURL = streamURL
        self.adminToken = adminToken
        self.label = label
    }
}

/// A server described by URLs.
public struct GenericTarget: Sendable {
    /// Where each stream is opened; `{{n}}` becomes the connection's number.
    public var subscribeURL: String
    /// Where messages are POSTed.
    public var publishURL: String?
    /// The body of each publish; `{{marker}}` must appear in it, `{{id}}` and `{{n}}` may.
    public var publishBody: String
    public var publishHeaders: [(String, String)]
    public var contentType: String
    public var framing: StreamLoad.Framing
    public var label: String

    public init(
        subscribeURL: String, publishURL: String?, publishBody: String = "{{marker}}", publishHeaders: [(String, String)] = [],
        contentType: String = "text/plain", framing: StreamLoad.Framing = .serverSentEvents, label: String = "generic"
    ) {
        self.subscribeURL = subscribeURL
        self.publishURL = publishURL
        self.publishBody = publishBody
        self.publishHeaders = publishHeaders
        self.contentType = contentType
        self.framing = framing
        self.label = label
    }
}

/// A loopback address and port, and a request path, from a URL.
struct StreamAddress: Sendable {
    var host: String
    var port: Int
    var path: String

    init(_ url: String) throws {
        guard let parsed = URL(string: url), let host = parsed.host else { throw BenchError("not a URL: \(url)") }
        self.host = host
        port = parsed.port ?? (parsed.scheme == "https" ? 443 : 80)
        var path = parsed.path.isEmpty ? "/" : parsed.path
        if let query = parsed.query { path += "?" + query }
        self.path = path
    }
}

/// A benchmark that could not run, with the reason.
public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
