import Foundation
import SluiceCore

/// A self-contained measurement of `FilterIndex` routing, used by `sluice bench filter-index`:
/// `subscriptions` specs with distinct keywords (`kw0`, `kw1`, …), and tweets that each mention a few
/// of the first hundred keywords, so every run routes the same matches whatever the subscription count.
enum FilterIndexBenchmark {
    public struct Result: Sendable {
        public var nanosecondsPerEvent: Double
        public var matchesPerEvent: Double
    }

    public static func run(subscriptions: Int, tweets count: Int) -> Result {
        var index = FilterIndex<Int>()
        for id in 0..<subscriptions {
            var spec = FilterSpec()
            spec.keywords = [.init(terms: ["kw\(id)"], original: "kw\(id)")]
            index.insert(id, spec)
        }
        let author = User(id: 1, username: "bench")
        let samples = (0..<1000).map { n in
            let tweet = Tweet(
                id: Int64(n + 1), text: "routing kw\(n % 100) and kw\((n * 7) % 100) with some other words #bench",
                createdAt: Date(timeIntervalSince1970: 0), user: author)
            return (tweet, TweetTerms(tweet))
        }
        var matches = 0
        let clock = ContinuousClock()
        let start = clock.now
        for n in 0..<count {
            let (tweet, terms) = samples[n % samples.count]
            matches += index.matches(tweet, terms: terms).count
        }
        let elapsed = clock.now - start
        let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return Result(nanosecondsPerEvent: nanos / Double(count), matchesPerEvent: Double(matches) / Double(count))
    }
}
