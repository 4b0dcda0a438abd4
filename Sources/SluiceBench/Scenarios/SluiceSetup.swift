import AsyncHTTPClient
import Foundation
import SluiceClient
import SluiceCore

/// What a scenario needs from a Sluice server: a key with room for the run (its limits raised through
/// the admin API, since the defaults are the Private SSE document's 3 connections and 10 tokens an
/// hour), an author to publish as, and stream tokens.
struct SluiceSetup: Sendable {
    let target: SluiceTarget
    let client: SluiceRESTClient
    let key: String
    let authorJSON: String

    static func make(_ target: SluiceTarget, http: HTTPClient, connections: Int) async throws -> SluiceSetup {
        let admin = SluiceRESTClient(baseURL: target.baseURL, credential: target.adminToken, http: http)
        let created = try await admin.createKey(
            name: "bench", scopes: ["stream", "ingest", "read"],
            limits: [
                "max_connections": max(1_000_000, connections * 2), "tokens_per_hour": 100_000_000, "events_per_second": 100_000,
                "idle_timeout_seconds": 24 * 3600,
            ])
        guard let key = created.key else { throw BenchError("the server did not return the new key's secret") }
        let client = SluiceRESTClient(baseURL: target.baseURL, credential: key, http: http)
        let author = User(id: 9_100_000_001, username: "bench_author", verified: true, followersCount: 1234)
        _ = try await client.publish([.userUpdate(author)])
        return SluiceSetup(target: target, client: client, key: key, authorJSON: try JSONCoding.string(author))
    }

    /// One tweet per publish, its text carrying the marker and the scenario's words.
    var publishEndpoint: PublishEndpoint {
        PublishEndpoint(
            url: target.baseURL + "/v1/events", headers: [("Authorization", "Bearer \(key)")],
            body: BodyTemplate(
                #"[{"type":"tweet","data":{"id":{{id}},"text":"{{marker}} {{words}}","created_at":"2024-01-01T12:00:00Z","user":\#(authorJSON),"lang":"en"}}]"#
            ))
    }

    var streamAddress: StreamAddress {
        get throws { try StreamAddress(target.streamURL ?? target.baseURL) }
    }

    /// `count` stream tokens, bought 32 requests at a time.
    func tokens(_ count: Int) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            let lanes = 32
            for lane in 0..<lanes {
                let share = count / lanes + (lane < count % lanes ? 1 : 0)
                group.addTask {
                    var mine: [String] = []
                    for _ in 0..<share { mine.append(try await client.streamToken()) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}

extension HTTPClient {
    /// A client for load: many connections per host, kept alive.
    static func forLoad() -> HTTPClient {
        HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)))
    }

    /// Runs `body` with a load client, and shuts the client down whatever happens.
    static func withLoadClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let http = HTTPClient.forLoad()
        do {
            let result = try await body(http)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}
