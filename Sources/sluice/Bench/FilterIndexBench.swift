import ArgumentParser
import SluiceCore

/// `sluice bench filter-index`: routing cost per event as unrelated subscriptions grow, in process.
struct FilterIndexBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter-index",
        abstract: "Route tweets through FilterIndex with few and with many subscriptions of distinct keywords.")

    @Option(parsing: .upToNextOption, help: "Subscription counts to compare.") var subscriptions: [Int] = [100, 100_000]
    @Option(help: "Tweets routed per count.") var tweets = 200_000

    func run() throws {
        var baseline: Double?
        for count in subscriptions {
            let result = FilterIndexBenchmark.run(subscriptions: count, tweets: tweets)
            baseline = baseline ?? result.nanosecondsPerEvent
            print(
                String(
                    format: "%7d subscriptions: %.0f ns per event (%.2f× the first), %.2f matches per event",
                    count, result.nanosecondsPerEvent, result.nanosecondsPerEvent / baseline!, result.matchesPerEvent))
        }
    }
}
