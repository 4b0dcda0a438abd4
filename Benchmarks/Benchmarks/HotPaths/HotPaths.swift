import Benchmark
import Foundation
import NIOCore
import SluiceCore

/// The per-event work of the fan-out: what must stay cheap as connections and subscriptions grow.
let benchmarks: @Sendable () -> Void = {
    // A thousand iterations per sample: the harness costs microseconds per sample, more than these operations.
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(2))

    let author = User(id: 1, username: "bench", verified: true, followersCount: 5000)
    let tweet = Tweet(
        id: 1_234_567_890_123_456_789, text: "Benchmarking #swift fan-out with a realistic tweet @someone https://example.com",
        createdAt: Date(timeIntervalSince1970: 1_704_110_400), user: author, metrics: .init(retweets: 10, likes: 50))
    let event = Event.tweet(tweet)

    // Encoding one event for Private SSE: once per event, whatever the number of subscribers.
    Benchmark("Private SSE message and frame, per event") { benchmark in
        for _ in benchmark.scaledIterations {
            let message = try PrivateSSEMessage(event, sequence: 42, facts: .init())!
            blackHole(message.frame(named: true))
        }
    }

    // Routing through the filter index with many unrelated subscriptions.
    for count in [100, 100_000] {
        var index = FilterIndex<Int>()
        for id in 0..<count {
            index.insert(id, try! FilterSpec.parse(["keywords": "kw\(id)"]))
        }
        let matching = Tweet(id: 2, text: "about kw7 and kw42", createdAt: tweet.createdAt, user: author)
        let terms = TweetTerms(matching)
        Benchmark("FilterIndex route, \(count) subscriptions") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(index.matches(matching, terms: terms)) }
        }
    }

    // One delivery into a connection's outbox and the writer taking it.
    Benchmark("Outbox push and take") { benchmark in
        let outbox = Outbox(limit: 1 << 20, wake: {})
        let frame = ByteBuffer(string: String(repeating: "x", count: 600))
        for _ in benchmark.scaledIterations {
            _ = outbox.push(frame)
            blackHole(outbox.take())
        }
    }
}
