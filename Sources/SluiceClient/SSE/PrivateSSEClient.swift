import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A Private SSE client that stays connected: it buys a fresh token for every connection, resumes
/// from the last event it saw (`Last-Event-ID`), and backs off between attempts.
///
/// ```swift
/// let client = PrivateSSEClient(baseURL: "http://127.0.0.1:8080", apiKey: key, filters: ["keywords": "swift"])
/// for try await event in client.events() { print(event.type, event.data) }
/// ```
public struct PrivateSSEClient: Sendable {
    public let baseURL: String
    public let apiKey: String
    /// Filter parameters (`keywords`, `users`, `min_followers`, `verified`, `language`, `min_retweets`).
    public var filters: [String: String]
    /// Resume after this sequence number on the first connection.
    public var lastEventID: String?
    public var backoff = Backoff()
    let http: HTTPClient

    public init(baseURL: String, apiKey: String, filters: [String: String] = [:], lastEventID: String? = nil, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.filters = filters
        self.lastEventID = lastEventID
        self.http = http
    }

    /// What the client reports besides events.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The server refused for good (bad key, bad filters): retrying would not help.
        case refused(SluiceAPIError)

        public var description: String {
            switch self {
            case .refused(let error): "the server refused the stream: \(error)"
            }
        }
    }

    /// Events from the server, across reconnections, until the task is cancelled or the server refuses for good.
    public func events() -> AsyncThrowingStream<SSEEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await run { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ yield: (SSEEvent) -> Void) async throws {
        var backoff = self.backoff
        var generator = SystemRandomNumberGenerator()
        var lastEventID = self.lastEventID
        let rest = SluiceRESTClient(baseURL: baseURL, credential: apiKey, http: http)
        while !Task.isCancelled {
            var retryAfter: Int?
            do {
                let token = try await rest.streamToken()
                var parser = SSEParser()
                try await stream(token: token, lastEventID: lastEventID) { chunk in
                    for event in parser.feed(chunk.readableBytesView) {
                        if !event.lastEventID.isEmpty { lastEventID = event.lastEventID }
                        backoff.reset()
                        yield(event)
                    }
                }
            } catch let error as SluiceAPIError {
                if [400, 401, 403].contains(error.status), error.code != "token_used", error.code != "token_expired" {
                    throw Failure.refused(error)
                }
                retryAfter = error.retryAfterSeconds
            } catch is CancellationError {
                return
            } catch {
                // Network error or server gone: reconnect.
            }
            try await Task.sleep(for: backoff.next(retryAfter: retryAfter, using: &generator))
        }
    }

    private func stream(token: String, lastEventID: String?, _ onChunk: (ByteBuffer) -> Void) async throws {
        var query = filters.map { "\($0.key)=\(Self.encode($0.value))" }
        query.append("token=\(Self.encode(token))")
        var request = HTTPClientRequest(url: baseURL + "/sse/private?" + query.sorted().joined(separator: "&"))
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await http.execute(request, timeout: .hours(24 * 365))
        guard response.status == .ok else {
            throw try await SluiceRESTClient.apiError(response)
        }
        for try await chunk in response.body { onChunk(chunk) }
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? value
    }
}
