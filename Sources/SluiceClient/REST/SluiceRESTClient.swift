import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SluiceAPI
import SluiceCore

/// The REST side of a Sluice server: publishing events, reading the log, and key administration.
///
/// Used by `sluice simulate`, `sluice keys` and the load commands. Errors come back as `SluiceAPIError`.
public struct SluiceRESTClient: Sendable {
    public let baseURL: String
    public let credential: String
    /// Deadline of each request. AsyncHTTPClient retries refused connections until it passes.
    public let timeout: Duration
    let http: HTTPClient

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.1:8080`.
    ///   - credential: the bearer secret: an API key, or the admin token for admin calls.
    ///   - timeout: deadline of each request.
    public init(baseURL: String, credential: String, timeout: Duration = .seconds(30), http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credential = credential
        self.timeout = timeout
        self.http = http
    }

    public struct Accepted: Codable, Sendable, Equatable {
        public var accepted: Int
        public var firstSeq: Int64
        public var lastSeq: Int64
        enum CodingKeys: String, CodingKey {
            case accepted
            case firstSeq = "first_seq"
            case lastSeq = "last_seq"
        }
    }

    /// Publishes one batch; returns the sequence numbers the server assigned.
    public func publish(_ events: [Event], idempotencyKey: String = UUID().uuidString) async throws -> Accepted {
        try await publish(body: try JSONCoding.encoder().encode(events), idempotencyKey: idempotencyKey)
    }

    /// Publishes a pre-encoded body (a JSON array of events, or NDJSON when `ndjson`).
    ///
    /// The batch carries an `Idempotency-Key` (a new one unless given), so the request is retried when
    /// its answer is lost or the server asks to wait (`503`), up to `attempts` times in all: the server
    /// stores a batch once whatever the number of tries, and answers a retry with the first
    /// acknowledgement.
    public func publish(body: Data, ndjson: Bool = false, idempotencyKey: String = UUID().uuidString, attempts: Int = 3) async throws -> Accepted {
        var attempt = 1
        while true {
            do {
                let response = try await send(
                    .POST, "/v1/events", body: body, contentType: ndjson ? "application/x-ndjson" : "application/json",
                    headers: [("Idempotency-Key", idempotencyKey)])
                return try JSONDecoder().decode(Accepted.self, from: response)
            } catch let error as SluiceAPIError where error.status != 503 {
                throw error
            } catch {
                guard attempt < attempts else { throw error }
                let wait = (error as? SluiceAPIError)?.retryAfterSeconds.map { Double($0) } ?? 0.2 * Double(attempt)
                try await Task.sleep(for: .seconds(min(wait, 5)))
                attempt += 1
            }
        }
    }

    public struct EventPage: Sendable {
        public var events: [StoredEvent]
        public var lastSeq: Int64
    }

    /// Reads up to `limit` events after `after` from the log.
    public func events(after: Int64, limit: Int = 1000) async throws -> EventPage {
        let data = try await send(.GET, "/v1/events?after=\(after)&limit=\(limit)")
        let page = try JSONDecoder().decode(RawPage.self, from: data)
        let events = try page.events.map { raw in
            guard let kind = EventKind(rawValue: raw.type) else { throw SluiceAPIError(status: 200, code: "unknown_type", message: raw.type) }
            return StoredEvent(sequence: raw.seq, kind: kind, data: raw.data.json, acceptedAt: .distantPast)
        }
        return EventPage(events: events, lastSeq: page.lastSeq)
    }

    // MARK: - Stream tokens

    /// Buys a Private SSE stream token (needs a key with the `stream` scope).
    public func streamToken() async throws -> String {
        let data = try await send(.POST, "/sse/token")
        return try JSONDecoder().decode([String: String].self, from: data)["token"] ?? ""
    }

    // MARK: - Admin

    public typealias KeyInfo = APIKeyDescription

    public func createKey(name: String, scopes: [String], limits: [String: Int] = [:]) async throws -> KeyInfo {
        var request: [String: Any] = ["name": name, "scopes": scopes]
        if !limits.isEmpty { request["limits"] = limits }
        let body = try JSONSerialization.data(withJSONObject: request)
        return try JSONDecoder().decode(KeyInfo.self, from: try await send(.POST, "/v1/admin/keys", body: body))
    }

    public func listKeys() async throws -> [KeyInfo] {
        try JSONDecoder().decode([String: [KeyInfo]].self, from: try await send(.GET, "/v1/admin/keys"))["keys"] ?? []
    }

    public func revokeKey(id: String) async throws -> KeyInfo {
        try JSONDecoder().decode(KeyInfo.self, from: try await send(.DELETE, "/v1/admin/keys/\(id)"))
    }

    public typealias AppInfo = SiteAppDescription

    public func createApp(name: String) async throws -> AppInfo {
        let body = try JSONSerialization.data(withJSONObject: ["name": name])
        return try JSONDecoder().decode(AppInfo.self, from: try await send(.POST, "/v1/admin/apps", body: body))
    }

    public func listApps() async throws -> [AppInfo] {
        try JSONDecoder().decode([String: [AppInfo]].self, from: try await send(.GET, "/v1/admin/apps"))["apps"] ?? []
    }

    public func grant(appID: String, userID: Int64) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["user_id": userID])
        _ = try await send(.POST, "/v1/admin/apps/\(appID)/grants", body: body)
    }

    public func revokeGrant(appID: String, userID: Int64) async throws {
        _ = try await send(.DELETE, "/v1/admin/apps/\(appID)/grants/\(userID)")
    }

    /// A page of the users who granted the app access, in id order; `next` is where the next page
    /// starts (`after`), nil on the last page.
    public func grants(appID: String, after: Int64 = 0, limit: Int = 100) async throws -> (userIDs: [Int64], next: Int64?) {
        struct Page: Decodable {
            var userIDs: [Int64]
            var nextAfter: Int64?
            enum CodingKeys: String, CodingKey {
                case userIDs = "user_ids"
                case nextAfter = "next_after"
            }
        }
        let page = try JSONDecoder().decode(Page.self, from: try await send(.GET, "/v1/admin/apps/\(appID)/grants?after=\(after)&limit=\(limit)"))
        return (page.userIDs, page.nextAfter)
    }

    /// Buys a Private SSE stream token for the key `keyID`, as the admin (counted in the key's allowance).
    public func streamToken(forKey keyID: String) async throws -> String {
        let data = try await send(.POST, "/v1/admin/keys/\(keyID)/tokens")
        return try JSONDecoder().decode([String: String].self, from: data)["token"] ?? ""
    }

    /// Every open stream on every node (`unreachable`: nodes heard from lately that did not answer).
    public func connections() async throws -> (connections: [ConnectionDescription], unreachable: [String]) {
        struct Listing: Decodable {
            var connections: [ConnectionDescription]
            var unreachableNodes: [String]
            enum CodingKeys: String, CodingKey {
                case connections
                case unreachableNodes = "unreachable_nodes"
            }
        }
        let listing = try JSONDecoder().decode(Listing.self, from: try await send(.GET, "/v1/admin/connections"))
        return (listing.connections, listing.unreachableNodes)
    }

    /// Ends the open stream `id` (as `connections()` lists it), on whichever node holds it.
    public func closeConnection(id: String) async throws {
        _ = try await send(.DELETE, "/v1/admin/connections/\(id)")
    }

    // MARK: - Transport

    func send(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String = "application/json", headers: [(String, String)] = []
    ) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        request.headers.add(contentsOf: headers)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await http.execute(
            request, timeout: .nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        guard (200..<300).contains(Int(response.status.code)) else { throw try await Self.apiError(response) }
        return Data(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
    }

    /// The error a non-2xx response carries.
    static func apiError(_ response: HTTPClientResponse) async throws -> SluiceAPIError {
        let data = Data(buffer: try await response.body.collect(upTo: 1024 * 1024))
        let detail = (try? JSONDecoder().decode(SluiceCore.ErrorBody.self, from: data))?.error
        return SluiceAPIError(
            status: Int(response.status.code), code: detail?.code ?? "http_\(response.status.code)",
            message: detail?.message ?? String(decoding: data.prefix(200), as: UTF8.self), index: detail?.index,
            retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap { Int($0) })
    }

    struct RawPage: Decodable {
        var events: [RawEvent]
        var lastSeq: Int64
        enum CodingKeys: String, CodingKey {
            case events
            case lastSeq = "last_seq"
        }
    }

    struct RawEvent: Decodable {
        var seq: Int64
        var type: String
        var data: RawJSON
    }
}

/// Captures a JSON value as its (re-serialized) text, to hand on without modelling it.
struct RawJSON: Decodable {
    var json: String

    init(from decoder: any Decoder) throws {
        json = try JSONCoding.string(JSONValue(from: decoder))
    }
}
