import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench fanout`: every message to every stream.
struct FanoutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout", abstract: "C streams, messages at a fixed rate, every message to every stream; deliveries/s and latency.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Streams to open.") var connections = 1000
    @Option(help: "Messages published per second.") var rate: Double = 10
    @Option(help: "Seconds of publishing.") var duration: Double = 10

    func run() async throws {
        try await runDelivery(.fanout, target: target, output: output, connections: connections, rate: rate, duration: duration, matches: 0)
    }
}

/// `sluice bench filtered`: distinct keyword filters, each message due on a few streams.
struct FilteredBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filtered", abstract: "C streams with distinct keyword filters; each message matches a few.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Streams to open.") var connections = 1000
    @Option(help: "Messages published per second.") var rate: Double = 100
    @Option(help: "Seconds of publishing.") var duration: Double = 10
    @Option(help: "Streams each message is due on.") var matches = 3

    func run() async throws {
        try await runDelivery(.filtered, target: target, output: output, connections: connections, rate: rate, duration: duration, matches: matches)
    }
}

func runDelivery(
    _ kind: DeliveryScenario.Kind, target: TargetOptions, output: OutputOptions, connections: Int, rate: Double, duration: Double, matches: Int
) async throws {
    guard connections > 0, rate > 0, duration > 0 else { throw ValidationError("connections, rate and duration must be positive") }
    FileLimit.raiseToHardLimit()
    let scenario = DeliveryScenario(
        kind: kind, target: try target.target(), connections: connections, rate: rate, duration: duration, matches: matches,
        sourceAddresses: target.sourceAddresses, serverPIDs: target.serverPID)
    let report = try await scenario.run(log: progress)
    if let plot = output.plot {
        try LatencyChart(title: "\(kind.rawValue): \(connections) streams, \(Int(rate)) msg/s", series: [.init(report)]).svg().write(
            toFile: plot, atomically: true, encoding: .utf8)
    }
    try output.emit(
        report,
        table: String(
            format: """
                %@ %@: %d/%d streams, %d published (%d failed) at %.0f/s for %.0f s
                  deliveries  %d of %d expected, %.0f/s; %d streams closed early
                  latency     %@
                  ack         %@
                  CPU         load generator %.1f s%@
                """, kind.rawValue, report.server, report.connected, report.connections, report.published, report.publishFailures, report.rate,
            report.duration, report.deliveries, report.expectedDeliveries, report.deliveriesPerSecond, report.closedStreams,
            report.latency.description, report.acknowledgement.description, report.loadGeneratorCPUSeconds,
            report.serverCPUSeconds.map { String(format: ", server %.1f s", $0) } ?? ""))
}

/// `sluice bench sitestreams`: Site Streams connections carrying many users on a realistic follow graph.
struct SiteStreamsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sitestreams", abstract: "K Site Streams connections × U users on a Zipf follow graph; deliveries/s and latency.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Site Streams connections.") var connections = 20
    @Option(help: "Users per connection (at most 100).") var usersPerConnection = 100
    @Option(help: "Accounts each user follows, on average.") var follows = 20
    @Option(help: "Tweets published per second.") var rate: Double = 50
    @Option(help: "Seconds of publishing.") var duration: Double = 10

    func run() async throws {
        guard connections > 0, rate > 0, duration > 0, follows >= 0 else { throw ValidationError("connections, rate and duration must be positive") }
        FileLimit.raiseToHardLimit()
        let report = try await SiteStreamsScenario(
            target: try target.sluiceTarget(), connections: connections, usersPerConnection: usersPerConnection, follows: follows, rate: rate,
            duration: duration, sourceAddresses: target.sourceAddresses, serverPIDs: target.serverPID
        ).run(log: progress)
        try output.emit(
            report,
            table: String(
                format: """
                    sitestreams %@: %d/%d connections × %d users, %d follows; %d tweets published (%d failed)
                      deliveries  %d of %d expected, %.0f/s
                      latency     %@
                      CPU         load generator %.1f s%@
                    """, report.server, report.connected, report.connections, report.usersPerConnection, report.followEdges, report.published,
                report.publishFailures, report.deliveries, report.expectedDeliveries, report.deliveriesPerSecond, report.latency.description,
                report.loadGeneratorCPUSeconds, report.serverCPUSeconds.map { String(format: ", server %.1f s", $0) } ?? ""))
    }
}
