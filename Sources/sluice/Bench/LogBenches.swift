import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench replay`: one consumer catching up from the log.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Publish N tweets, then time one stream replaying them from the log.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Events to replay.") var events = 100_000

    func run() async throws {
        guard events > 0 else { throw ValidationError("events must be positive") }
        let report = try await ReplayScenario(target: try target.sluiceTarget(), events: events).run(log: progress)
        try output.emit(
            report,
            table: String(
                format: "replay %@: %d of %d events (the sentinel included), %d out of order, in %.2f s = %.0f events/s", report.server,
                report.received, report.events + 1, report.reordered, report.seconds, report.eventsPerSecond))
    }
}

/// `sluice bench ingest`: events per second into the log, by batch size.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Publish batches of tweets from concurrent clients; events/s and acknowledgement latency.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Concurrent clients.") var clients = 8
    @Option(help: "Events per request.") var batch = 500
    @Option(help: "Seconds to run.") var duration: Double = 10

    func run() async throws {
        guard clients > 0, batch > 0, duration > 0 else { throw ValidationError("clients, batch and duration must be positive") }
        let report = try await IngestScenario(
            target: try target.sluiceTarget(), clients: clients, batch: batch, duration: duration, serverPIDs: target.serverPID
        ).run(log: progress)
        try output.emit(
            report,
            table: String(
                format: "ingest %@: %d clients × batch %d: %d events in %.1f s = %.0f events/s (%d failed requests%@); ack %@%@", report.server,
                report.clients, report.batch, report.events, report.seconds, report.eventsPerSecond, report.failures,
                report.firstFailure.map { ", first: \($0)" } ?? "", report.acknowledgement.description,
                report.serverCPUSeconds.map { String(format: "; server CPU %.1f s", $0) } ?? ""))
    }
}
