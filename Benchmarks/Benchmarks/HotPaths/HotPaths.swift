import Benchmark
import Foundation
import NIOCore
import SluiceCore

/// The per-event work of the fan-out: what must stay cheap as connections and subscriptions grow.
///
/// Regressions show against the committed thresholds (`Thresholds/`): allocation counts are exact on
/// any machine, so they are checked with a small absolute tolerance; time is too noisy on a shared
/// machine for a static limit and is compared between runs instead (`swift package benchmark
/// baseline compare`). Check: `swift package benchmark thresholds check`; after an intended change:
/// `swift package --allow-writing-to-package-directory benchmark thresholds update`, then keep only
/// `mallocCountTotal` in the files. (Names without spaces: the threshold files are named after them.)
let benchmarks: @Sendable () -> Void = {
    // A thousand iterations per sample: the harness costs microseconds per sample, more than these operations.
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(2),
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 5], absolute: [.p90: 50])])

    let author = User(id: 1, username: "bench", verified: true, followersCount: 5000)
    let tweet = Tweet(
        id: 1_234_567_890_123_456_789, text: "Benchmarking #swift fan-out with a realistic tweet @someone https://example.com",
        createdAt: Date(timeIntervalSince1970: 1_704_110_400), user: author, metrics: .init(retweets: 10, likes: 50))
    let event = Event.tweet(tweet)

    // Encoding one event for Private SSE: once per event, whatever the number of subscribers.
    Benchmark("PrivateSSEMessageAndFrame") { benchmark in
        for _ in benchmark.scaledIterations {
            let message = try PrivateSSEMessage(event, sequence: 42)!
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
        Benchmark("FilterIndexRoute\(count)Subscriptions") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(index.matches(matching, terms: terms)) }
        }
    }

    // One delivery into a connection's outbox and the writer taking it.
    Benchmark("OutboxPushAndTake") { benchmark in
        let outbox = Outbox(limit: 1 << 20, wake: {})
        let frame = ByteBuffer(string: String(repeating: "x", count: 600))
        for _ in benchmark.scaledIterations {
            _ = outbox.push(frame)
            blackHole(outbox.take())
        }
    }

    // Dispatch of one event to 1,000 unfiltered streams: routing, one shared frame, 1,000 outbox pushes.
    Benchmark("HubDispatchTo1000Streams", configuration: .init(scalingFactor: .one)) { benchmark in
        let hub = PrivateSSEHub(position: 0, replayMemory: 1 << 20)
        let subscriptions = (0..<1000).map { _ in
            PrivateSSESubscription(
                id: hub.makeSubscriptionID(), keyID: "k", spec: FilterSpec(), eventNames: true,
                limits: .init(maxConnections: 1, eventsPerSecond: 1_000_000, tokensPerHour: 1, idleTimeoutSeconds: 3600),
                expiresAt: .greatestFiniteMagnitude, outboxLimit: 1 << 30, now: 0, wake: {})
        }
        for subscription in subscriptions { hub.registerLive(subscription) }
        var sequence: Int64 = 0
        for _ in benchmark.scaledIterations {
            sequence += 1
            // The message is built once per event (as the log follower does), then routed.
            let message = try PrivateSSEMessage(event, sequence: sequence)
            hub.dispatch(sequence: sequence, message: message, isPublic: true, now: Double(sequence))
            benchmark.stopMeasurement()
            for subscription in subscriptions { _ = subscription.outbox.take() }
            benchmark.startMeasurement()
        }
    }

    // The Site Streams message of a tweet, built and encoded (once per event, outside the hub's lock): a
    // typical tweet, and the heaviest the ingest limits allow (the longest text, every entity list full
    // of the longest entries). The ratio of the two is the bound on one event's cost.
    let heaviest = Tweet(
        id: 3, text: "@reader " + String(repeating: "a", count: 24_990), createdAt: tweet.createdAt, user: author,
        entities: .init(
            hashtags: (0..<Tweet.Entities.maxEntries).map {
                "#" + String(repeating: "t", count: Tweet.Entities.maxHashtagLength - 4) + String(format: "%03d", $0)
            },
            mentions: (0..<Tweet.Entities.maxEntries).map {
                "@" + String(repeating: "m", count: Tweet.Entities.maxMentionLength - 4) + String(format: "%03d", $0)
            },
            urls: (0..<20).map { "https://example.com/" + String(repeating: "u", count: 2_000) + String($0) }))
    for (name, subject) in [("TwitterMessageTypicalTweet", tweet), ("TwitterMessageHeaviestLegalTweet", heaviest)] {
        Benchmark(name, configuration: .init(scalingFactor: .one)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(TwitterMessage.json(TwitterMessage.tweet(subject))) }
        }
    }

    // The log's canonical form of a tweet (`JSONWriter`), written once per event at ingest.
    Benchmark("CanonicalEncodingTweet") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(tweet.json()) }
    }

    // A stored tweet read back (`ModelJSONReader`): once per event by the follower, and per replayed event.
    let stored = tweet.json()
    Benchmark("StoredTweetRead") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try Tweet(storedJSON: stored)) }
    }

    // A replayed event from the log to its frame: read, message (no terms without keywords), frame.
    let storedEvent = StoredEvent(sequence: 42, kind: .tweet, data: stored, acceptedAt: tweet.createdAt)
    Benchmark("ReplaySpliceFromLog") { benchmark in
        for _ in benchmark.scaledIterations {
            let message = try PrivateSSEMessage(storedEvent.decoded(), sequence: storedEvent.sequence, findingTerms: false)!
            blackHole(message.frame(named: true))
        }
    }

    // An ingest body of 100 tweets parsed (`FastBatchParser`): per event, the publisher's side of ingest.
    let body = Data(
        ("["
            + (0..<100).map {
                #"{"type":"tweet","data":\#(Tweet(id: Int64($0 + 1), text: tweet.text, createdAt: tweet.createdAt, user: author).json())}"#
            }.joined(separator: ",") + "]").utf8)
    Benchmark("IngestParse100Tweets", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EventBatchParser.parse(body, format: .jsonArray)) }
    }

    // Admission's own work in memory: hashing the presented token and deciding its use.
    let key = APIKey(id: "key_bench", name: "bench", scopes: [.stream], secretHash: Secret.hash("sk_bench"), createdAt: tweet.createdAt)
    let token = StreamToken(
        secretHash: Secret.hash("st_bench"), keyID: key.id, createdAt: tweet.createdAt, expiresAt: .distantFuture)
    Benchmark("TokenAdmissionDecision") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Secret.hash("st_bench_presented_by_a_client_0123456789abcdef"))
            blackHole(TokenUse.of(token, key: key, at: tweet.createdAt))
        }
    }

    // Keeping a dispatched message for replay from memory.
    Benchmark("ReplayBufferAppend") { benchmark in
        var buffer = ReplayBuffer(budget: 1 << 20)
        let message = try PrivateSSEMessage(event, sequence: 1)
        var sequence: Int64 = 0
        for _ in benchmark.scaledIterations {
            sequence += 1
            buffer.append(sequence: sequence, message: message)
        }
        blackHole(buffer.count)
    }
}
