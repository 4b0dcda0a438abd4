import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Synchronization
import Testing

/// An HTTP client for tests that open many streams at once (the shared one queues past 8 per host).
let streamHTTP = HTTPClient(
    eventLoopGroup: HTTPClient.defaultEventLoopGroup,
    configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)))

/// Reads one Server-Sent Events stream in the background and lets a test wait for what it expects.
final class StreamProbe: Sendable {
    let status: Int
    let headers: [(String, String)]
    /// The JSON error body, for a refused stream.
    let errorBody: JSONValue?
    private let state = Mutex<(events: [SSEEvent], ended: Bool, failure: String?)>(([], false, nil))
    private let reader = Mutex<Task<Void, Never>?>(nil)

    var events: [SSEEvent] { state.withLock { $0.events } }
    var ended: Bool { state.withLock { $0.ended } }
    /// Why the body ended in an error rather than with its last chunk (a reset, a truncated chunk), if it
    /// did; a stream the test closed itself is not a failure.
    var failure: String? { state.withLock { $0.failure } }
    /// Whether the body is being read (`open(read: true)`, or after `startReading()`).
    var isReading: Bool { reader.withLock { $0 != nil } }
    var errorCode: String? {
        if case .string(let code)? = errorBody?["error"]?["code"] { return code }
        return nil
    }

    /// Payload events (tweet/user, or unnamed), decoded.
    var payloads: [JSONValue] {
        events.filter { $0.type != "status" }.compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.data.utf8)) }
    }

    /// The `data` of `status` events.
    var statuses: [JSONValue] {
        events.compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.data.utf8)) }
            .filter { $0["type"] == .string("status") }.compactMap { $0["data"] }
    }

    /// How many `tweet` events arrived, without decoding them (cheap enough to poll on large streams).
    var tweetCount: Int { state.withLock { $0.events.lazy.filter { $0.type == "tweet" }.count } }

    /// Tweet ids received, in order.
    var tweetIDs: [String] {
        payloads.filter { $0["type"] == .string("tweet") }.compactMap {
            if case .string(let id)? = $0["data"]?["id"] { return id } else { return nil }
        }
    }

    /// Opens `url`; returns once the response head arrived. With `read: false` the body is not read
    /// (a client that stopped reading) until `startReading()`.
    static func open(_ url: String, headers: [String: String] = [:], read: Bool = true, http: HTTPClient = streamHTTP) async throws -> StreamProbe {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await http.execute(request, deadline: .distantFuture)
        if response.status != .ok {
            let body = try await response.body.collect(upTo: 1 << 20)
            return StreamProbe(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                errorBody: try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)), body: nil)
        }
        let probe = StreamProbe(
            status: 200, headers: response.headers.map { ($0.name, $0.value) }, errorBody: nil, body: response.body)
        if read { probe.startReading() }
        return probe
    }

    private let body: Mutex<HTTPClientResponse.Body?>

    private init(status: Int, headers: [(String, String)], errorBody: JSONValue?, body: HTTPClientResponse.Body?) {
        self.status = status
        self.headers = headers
        self.errorBody = errorBody
        self.body = Mutex(body)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    func startReading() {
        guard
            let body = self.body.withLock({ body in
                defer { body = nil }
                return body
            })
        else { return }
        let task = Task {
            var parser = SSEParser()
            do {
                for try await chunk in body {
                    let events = parser.feed(chunk.readableBytesView)
                    if !events.isEmpty { state.withLock { $0.events += events } }
                }
            } catch  where !Task.isCancelled {
                state.withLock { $0.failure = String(describing: error) }
            } catch {}
            state.withLock { $0.ended = true }
        }
        reader.withLock { $0 = task }
    }

    /// Waits until `condition` holds for the events received so far.
    func wait(
        _ what: String, timeout: Duration = .seconds(30), until condition: @escaping @Sendable (StreamProbe) -> Bool
    ) async throws {
        if status != 200 { throw StreamEnded(what: what, failure: "the stream was refused: \(status) \(errorCode ?? "")") }
        try await waitForStream(timeout: timeout, what, ended: { self.ended }, failure: { self.failure }) { condition(self) }
    }

    func close() {
        reader.withLock { $0?.cancel() }
    }

    deinit {
        reader.withLock { $0?.cancel() }
    }
}

/// A running application with a few ready-made clients.
struct LiveServer {
    let baseURL: String
    let admin: SluiceRESTClient

    init(port: Int) {
        baseURL = "http://127.0.0.1:\(port)"
        admin = SluiceRESTClient(baseURL: baseURL, credential: TestApp.adminToken)
    }

    /// A key with both scopes (and the given limits), as a client.
    func client(limits: [String: Int] = [:]) async throws -> SluiceRESTClient {
        let key = try await admin.createKey(name: "test", scopes: ["stream", "ingest", "read"], limits: limits)
        return SluiceRESTClient(baseURL: baseURL, credential: key.key!)
    }

    /// Buys a token with `client` and opens the stream with `query`.
    func stream(_ client: SluiceRESTClient, _ query: String = "", headers: [String: String] = [:], read: Bool = true) async throws -> StreamProbe {
        let token = try await client.streamToken()
        return try await StreamProbe.open("\(baseURL)/sse/private?token=\(token)\(query.isEmpty ? "" : "&" + query)", headers: headers, read: read)
    }
}

extension StreamProbe {
    /// Waits for the opening `status: connected` event.
    func connected() async throws {
        try await wait("connected") { $0.statuses.contains { $0["status"] == .string("connected") } }
    }
}

/// Waits until `condition` holds for a stream read in the background. A stream that ends first, without
/// the condition holding, fails at once with how it ended (its error, if any), rather than at the deadline
/// as a bare "timed out".
func waitForStream(
    timeout: Duration, _ what: String, ended: @escaping @Sendable () -> Bool, failure: @escaping @Sendable () -> String?,
    until condition: @escaping @Sendable () -> Bool
) async throws {
    try await waitUntil(timeout: timeout, what) {
        // `ended` is read first: everything the stream received was recorded before it was set.
        let over = ended()
        if condition() { return true }
        if over { throw StreamEnded(what: what, failure: failure()) }
        return false
    }
}

/// A stream ended before what a test waited for arrived.
struct StreamEnded: Error, CustomStringConvertible {
    var what: String
    var failure: String?
    var description: String { "the stream ended before \(what)" + (failure.map { ": \($0)" } ?? " (cleanly)") }
}
