import AsyncHTTPClient
import Foundation
import SluiceClient
import SluiceCore
import SluiceSimulation

/// `sitestreams`: K Site Streams connections of U users each (`with=followings`, newline-delimited),
/// on a follow graph where a few accounts are very popular and most are not (each user follows F
/// accounts drawn from a Zipf law, as social graphs go). Tweets from authors drawn from the same law
/// are published at a fixed rate; each is due once per streamed user who wrote or follows it.
public struct SiteStreamsScenario: Sendable {
    public var target: SluiceTarget
    public var connections: Int
    /// Users per connection, named in `follow` at connect (at most 100, the document's limit).
    public var usersPerConnection: Int
    public var follows: Int
    public var rate: Double
    public var duration: Double
    public var sourceAddresses: Int
    public var serverPIDs: [Int32]

    public init(
        target: SluiceTarget, connections: Int, usersPerConnection: Int, follows: Int, rate: Double, duration: Double, sourceAddresses: Int = 4,
        serverPIDs: [Int32] = []
    ) {
        self.target = target
        self.connections = connections
        self.usersPerConnection = usersPerConnection
        self.follows = follows
        self.rate = rate
        self.duration = duration
        self.sourceAddresses = sourceAddresses
        self.serverPIDs = serverPIDs
    }

    public struct Report: Codable, Sendable {
        public var scenario = "sitestreams"
        public var server: String
        public var connections: Int
        public var connected: Int
        public var usersPerConnection: Int
        public var followEdges: Int
        public var published: Int
        public var publishFailures: Int
        public var expectedDeliveries: Int
        public var deliveries: Int
        public var deliveriesPerSecond: Double
        public var latency: LatencySummary
        public var loadGeneratorCPUSeconds: Double
        public var serverCPUSeconds: Double?
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        guard (1...100).contains(usersPerConnection) else { throw BenchError("users per connection: 1…100 (follow takes at most 100 at connect)") }
        return try await HTTPClient.withLoadClient { http in
            let setup = try await SluiceSetup.make(SluiceTarget(baseURL: target.baseURL, adminToken: target.adminToken), http: http, connections: 1)
            let admin = SluiceRESTClient(baseURL: target.baseURL, credential: target.adminToken, http: http)
            let app = try await admin.createApp(name: "bench")
            guard let consumerSecret = app.consumerSecret, let tokenSecret = app.accessTokenSecret else {
                throw BenchError("the server did not return the app's secrets")
            }
            let signer = OAuth1Signer(consumerKey: app.consumerKey, consumerSecret: consumerSecret, token: app.accessToken, tokenSecret: tokenSecret)

            // Users (ids after a per-run base), the follow graph, then grants.
            let userCount = connections * usersPerConnection
            let base = Int64(Date().timeIntervalSince1970) * 1_000_000
            var rng = SplitMix64(seed: 7)
            let graph = FollowGraph.zipf(users: userCount, follows: follows, using: &rng)
            for chunk in stride(from: 0, to: userCount, by: 1000) {
                let users = (chunk..<min(userCount, chunk + 1000)).map { Event.userUpdate(User(id: base + Int64($0), username: "bench\($0)")) }
                _ = try await setup.client.publish(users)
            }
            let edges = graph.edges.map { Event.follow(UserRelation(sourceID: base + Int64($0.0), targetID: base + Int64($0.1))) }
            for chunk in stride(from: 0, to: edges.count, by: 1000) {
                _ = try await setup.client.publish(Array(edges[chunk..<min(edges.count, chunk + 1000)]))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for user in stride(from: lane, to: userCount, by: 16) { try await admin.grant(appID: app.id, userID: base + Int64(user)) }
                    }
                }
                try await group.waitForAll()
            }
            log("sitestreams: \(userCount) users, \(graph.edges.count) follows, granted")

            // Connections, at the app's connect rate: a refusal (420) waits and tries again.
            let address = try StreamAddress(target.streamURL ?? target.baseURL)
            let load = StreamLoad(framing: .jsonLines)
            for k in 0..<connections {
                let ids = (0..<usersPerConnection).map { String(base + Int64(k * usersPerConnection + $0)) }.joined(separator: ",")
                let parameters = [("follow", ids), ("with", "followings")]
                let url = "http://\(address.host):\(address.port)/1.1/site.json"
                var opened = false
                for _ in 0..<20 where !opened {
                    let oauth = signer.oauthParameters(
                        method: "GET", url: url, parameters: parameters, nonce: UUID().uuidString, timestamp: Int(Date().timeIntervalSince1970))
                    do {
                        try await load.open(
                            host: address.host, port: address.port, path: "/1.1/site.json?" + OAuth1Signer.formEncode(parameters),
                            headers: [("Authorization", OAuth1Signer.authorizationHeader(oauth))],
                            sourceAddress: sourceAddresses > 1 ? "127.0.0.\(2 + k % sourceAddresses)" : nil)
                        opened = true
                    } catch {
                        try await Task.sleep(for: .milliseconds(250))
                    }
                }
            }
            log("sitestreams: opened \(load.snapshot.connected) of \(connections) connections")

            // Tweets by Zipf-drawn authors; each is due to its author's and followers' streams.
            let publisher = Publisher(
                endpoint: PublishEndpoint(
                    url: target.baseURL + "/v1/events", headers: [("Authorization", "Bearer \(setup.key)")],
                    body: BodyTemplate(
                        #"[{"type":"tweet","data":{"id":{{id}},"text":"{{marker}} site stream bench","created_at":"2024-01-01T12:00:00Z","user":{"id":{{author}},"username":"bench{{index}}"},"lang":"en"}}]"#
                    )),
                http: http)
            let authors = graph.authors(count: Int(rate * duration) + 1, seed: 11)
            let meter = CPUMeter(serverPIDs: serverPIDs)
            load.resetMessages()
            let started = ProcessStats.wallNanoseconds()
            let published = await publisher.run(rate: rate, duration: duration, idBase: Publisher.idBase()) { n in
                ["author": String(base + Int64(authors[n])), "index": String(authors[n])]
            }
            let expected = (0..<published.published).reduce(0) { $0 + graph.audience(of: authors[$1]) }
            _ = await StreamSet.wait(timeout: 10) { load.snapshot.latency.count >= expected }
            let totals = load.snapshot
            let cpu = meter.ownSeconds
            let serverCPU = meter.serverSeconds
            try await load.shutdown()
            if let failure = published.firstFailure { log("first publish failure: \(failure)") }
            return Report(
                server: target.label, connections: connections, connected: totals.connected, usersPerConnection: usersPerConnection,
                followEdges: graph.edges.count, published: published.published, publishFailures: published.failed, expectedDeliveries: expected,
                deliveries: totals.latency.count,
                deliveriesPerSecond: Double(totals.latency.count) / (Double(max(1, totals.lastMessageAt - started)) / 1e9),
                latency: totals.latency.summary, loadGeneratorCPUSeconds: cpu, serverCPUSeconds: serverCPU)
        }
    }
}

/// Who follows whom among `users` accounts (numbered from 0), drawn so that popularity follows a Zipf law.
struct FollowGraph: Sendable {
    let users: Int
    let edges: [(Int, Int)]
    /// For each account, how many streamed users see its tweets: itself and its followers.
    private let audiences: [Int]

    static func zipf(users: Int, follows: Int, using rng: inout SplitMix64) -> FollowGraph {
        var edges = Set<[Int]>()
        for source in 0..<users {
            for _ in 0..<Int.random(in: 0...(2 * follows), using: &rng) {
                let target = popular(users, &rng)
                if target != source { edges.insert([source, target]) }
            }
        }
        var audiences = [Int](repeating: 1, count: users)
        for edge in edges { audiences[edge[1]] += 1 }
        return FollowGraph(users: users, edges: edges.map { ($0[0], $0[1]) }.sorted { $0 < $1 }, audiences: audiences)
    }

    /// An account drawn with probability proportional to 1/rank.
    static func popular(_ users: Int, _ rng: inout SplitMix64) -> Int {
        let u = Double.random(in: 0..<1, using: &rng)
        return min(users - 1, Int(exp(u * log(Double(users)))) - 1)
    }

    func audience(of author: Int) -> Int { audiences[author] }

    /// `count` tweet authors: one in five a popular account, the rest anyone.
    func authors(count: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { n in n % 5 == 0 ? Self.popular(users, &rng) : Int.random(in: 0..<users, using: &rng) }
    }
}
