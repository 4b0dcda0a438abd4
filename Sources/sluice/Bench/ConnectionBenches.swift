import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench connect`: new authenticated streams per second.
struct ConnectBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Token, connect, 200, close, on L lanes; new authenticated streams per second.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Concurrent lanes.") var lanes = 64
    @Option(help: "Seconds to run.") var duration: Double = 10

    func run() async throws {
        guard lanes > 0, duration > 0 else { throw ValidationError("lanes and duration must be positive") }
        FileLimit.raiseToHardLimit()
        let report = try await ConnectScenario(
            target: try target.target(), lanes: lanes, duration: duration, sourceAddresses: target.sourceAddresses, serverPIDs: target.serverPID
        ).run(log: progress)
        try output.emit(
            report,
            table: String(
                format: "connect %@: %d streams in %.1f s = %.0f/s (%d refused%@); latency %@%@", report.server, report.connects, report.duration,
                report.connectsPerSecond, report.refused, report.firstRefusal.map { ", first: \($0)" } ?? "", report.latency.description,
                report.serverCPUSeconds.map { String(format: "; server CPU %.1f s", $0) } ?? ""))
    }
}

/// `sluice bench idle`: server memory per open stream.
struct IdleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle", abstract: "Open C idle streams; the server's memory per stream (give --server-pid).")

    @OptionGroup var target: TargetOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Streams to open.") var connections = 10_000

    func run() async throws {
        guard connections > 0 else { throw ValidationError("connections must be positive") }
        FileLimit.raiseToHardLimit()
        let report = try await IdleScenario(
            target: try target.target(), connections: connections, sourceAddresses: target.sourceAddresses, serverPIDs: target.serverPID
        ).run(log: progress)
        try output.emit(
            report,
            table: String(
                format: "idle %@: %d/%d streams at %.0f/s; server %.1f → %.1f MiB = %.0f bytes per stream (load generator %.0f)", report.server,
                report.connected, report.connections, report.connectsPerSecond, Double(report.serverRSSBeforeBytes) / 1_048_576,
                Double(report.serverRSSAfterBytes) / 1_048_576, report.bytesPerConnection, report.loadGeneratorBytesPerConnection))
    }
}
