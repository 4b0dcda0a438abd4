import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore
import SluiceSimulation

/// `sluice simulate`: the demo's synthetic traffic, sent to any running server over HTTP.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish realistic synthetic traffic to a running server.")

    @OptionGroup var server: KeyOptions
    @Option(help: "Events per second.") var rate: Double = 20
    @Option(help: "Stop after this many events (default: run until interrupted).") var count: Int?
    @Option(help: "Number of simulated users.") var users: Int = 60
    @Option(help: "Random seed, for a reproducible run.") var seed: UInt64?

    func run() async throws {
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        let client = try server.client()
        var traffic = SyntheticTraffic(seed: seed ?? UInt64.random(in: 0 ... .max), userCount: users)
        let population = try await client.publish(traffic.population())
        print("population: \(population.accepted) events (seq \(population.firstSeq)…\(population.lastSeq))")

        // Send on a fixed schedule, in small batches when the rate is high, so the rate holds.
        let batchSize = max(1, Int(rate / 50))
        let interval = Duration.seconds(Double(batchSize) / rate)
        let clock = ContinuousClock()
        var deadline = clock.now
        var sent = 0
        while count.map({ sent < $0 }) ?? true {
            let size = min(batchSize, (count ?? .max) - sent)
            let batch = (0..<size).map { _ in traffic.next() }
            let accepted = try await client.publish(batch)
            sent += accepted.accepted
            if sent % max(1, Int(rate) * 5) < size { print("sent \(sent) events, last seq \(accepted.lastSeq)") }
            deadline = deadline.advanced(by: interval)
            try await clock.sleep(until: deadline)
        }
        print("done: \(sent) events")
    }
}
