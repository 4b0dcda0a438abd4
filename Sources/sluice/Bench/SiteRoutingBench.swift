import ArgumentParser
import Foundation
import SluiceBench
import SluiceCore
import SluiceSimulation

/// `sluice bench site-routing`: Site Streams routing in process, at scale: K connections × U users on
/// a follow graph with a few very popular accounts and a long tail, as social graphs have.
///
/// Measures what the hub costs, without sockets: memory per user stream (resident memory before and
/// after opening the streams), events routed per second with deliveries per event, and the time to
/// route one event (p50/p99), encoding and queueing included. Outboxes are drained after every event.
struct SiteRoutingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site-routing", abstract: "Route events to many Site Streams user streams in process; report memory and throughput.")

    @Option(help: "Connections.") var connections = 100
    @Option(help: "Users per connection.") var usersPerConnection = 1000
    @Option(help: "Follows per user, on average.") var follows = 50
    @Option(help: "Events to route.") var events = 20_000
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        var rng = SplitMix64(seed: seed)
        let userCount = connections * usersPerConnection
        let users = (1...Int64(userCount)).map { User(id: $0, username: "u\($0)", protected: $0 % 10 == 0) }
        // Popularity: account k is followed in proportion to 1/k (a Zipf law), as on real platforms.
        func popular() -> Int64 {
            let u = Double.random(in: 0..<1, using: &rng)
            return Int64(max(1, min(Double(userCount), exp(u * log(Double(userCount))))))
        }
        var edges = Set<SocialState.Edge>()
        for source in 1...Int64(userCount) {
            for _ in 0..<Int.random(in: 1...(2 * follows), using: &rng) {
                let target = popular()
                if target != source { edges.insert(.init(source, target)) }
            }
        }
        let state = SocialState(users: users, follows: Array(edges), blocks: [], position: 0)
        let before = ProcessStats.residentBytes(getpid()) ?? 0
        let hub = SiteStreamHub(truth: SocialTruth(state), maxUsersPerConnection: usersPerConnection)
        var open: [SiteStreamConnection] = []
        for k in 0..<connections {
            let connection = SiteStreamConnection(
                id: "bench\(k)", appID: "bench", options: .init(followings: k % 2 == 0), stringifyFriendIDs: false,
                format: k % 3 == 0 ? .length : .newline, stallWarnings: false, outboxLimit: 1 << 30, wake: {})
            hub.open(connection, users: (0..<usersPerConnection).map { Int64(k * usersPerConnection + $0 + 1) }, checkedSince: hub.revocationMark())
            open.append(connection)
        }
        var preambleBytes = 0
        for connection in open {
            if case .frames(let frames)? = connection.outbox.take() { preambleBytes += frames.reduce(0) { $0 + $1.readableBytes } }
        }
        let after = ProcessStats.residentBytes(getpid()) ?? 0

        var latencies: [Double] = []
        latencies.reserveCapacity(events)
        var deliveries = 0
        var nextTweet: Int64 = 1
        let clock = ContinuousClock()
        let start = clock.now
        for n in 0..<events {
            let author = n % 5 == 0 ? popular() : Int64.random(in: 1...Int64(userCount), using: &rng)
            let event: Event =
                n % 20 == 19
                ? .follow(.init(sourceID: Int64.random(in: 1...Int64(userCount), using: &rng), targetID: popular()))
                : .tweet(Tweet(id: nextTweet, text: "event \(n) from \(author)", createdAt: Date(), user: users[Int(author - 1)]))
            if case .tweet = event { nextTweet += 1 }
            let t0 = clock.now
            hub.dispatch(event, sequence: Int64(n + 1), acceptedAt: Date(), tweets: [:])
            latencies.append((clock.now - t0) / .nanoseconds(1) / 1000)
            for connection in open {
                if case .frames(let frames)? = connection.outbox.take() { deliveries += frames.count }
            }
        }
        let seconds = (clock.now - start) / .seconds(1)
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print("users \(userCount), follow edges \(edges.count), connections \(connections) × \(usersPerConnection) users")
        print(
            String(
                format: "memory: %.1f MB for %d user streams = %.0f bytes each (preambles sent: %.1f MB)",
                Double(after - before) / 1e6, userCount, Double(after - before) / Double(userCount), Double(preambleBytes) / 1e6))
        print(
            String(
                format: "routing: %.0f events/s, %.1f deliveries per event (%.0f deliveries/s)",
                Double(events) / seconds, Double(deliveries) / Double(events), Double(deliveries) / seconds))
        print(
            String(
                format: "time to route one event (encode, wrap, queue): p50 %.1f µs, p99 %.1f µs, max %.1f µs",
                percentile(0.5), percentile(0.99), latencies.last ?? 0))
    }
}
