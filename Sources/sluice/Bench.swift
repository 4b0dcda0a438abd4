import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore

/// `sluice bench`: load generators that measure a running server from a separate process.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a running server.",
        subcommands: [IngestBench.self, SSEBench.self, FilterIndexBench.self, SiteRoutingBench.self])
}

/// `sluice bench ingest`: ingest throughput and acknowledgement latency by batch size.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Publish tweets from concurrent clients; report events/s and ack latency percentiles.")

    @OptionGroup var server: KeyOptions
    @Option(help: "Concurrent clients.") var clients = 8
    @Option(help: "Events per request.") var batch = 1
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        guard clients > 0, batch > 0, duration > 0 else { throw ValidationError("clients, batch and duration must be positive") }
        let client = try server.client()
        let author = User(id: 9_000_000_001, username: "bench_author", followersCount: 1234)
        _ = try await client.publish([.userUpdate(author)])
        let authorJSON = try JSONCoding.string(author)
        // Unique ids per run and client, without coordination: time-based high bits, client in the middle.
        let base = (Int64(Date().timeIntervalSince1970 * 1000) - 1_288_834_974_657) << 22

        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(duration))
        let started = clock.now
        let results = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var latencies: [Duration] = []
                    var n: Int64 = 0
                    while clock.now < end {
                        var body = "["
                        for i in 0..<batch {
                            n += 1
                            let id = base + Int64(c) << 32 + n
                            if i > 0 { body += "," }
                            body += #"{"type":"tweet","data":{"id":\#(id),"text":"bench tweet \#(n) #bench","created_at":"2024-01-01T12:00:00Z","user":\#(authorJSON),"lang":"en"}}"#
                        }
                        body += "]"
                        let sent = clock.now
                        _ = try await client.publish(body: Data(body.utf8))
                        latencies.append(clock.now - sent)
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = results.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let d = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let events = sorted.count * batch
        let report = Report(
            clients: clients, batch: batch, requests: sorted.count, events: events, seconds: seconds,
            eventsPerSecond: Double(events) / seconds, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99))
        if json {
            print(try JSONCoding.string(report))
        } else {
            print(String(format: "ingest: %d clients × batch %d: %d events in %.1f s = %.0f events/s; ack p50 %.2f ms, p99 %.2f ms",
                clients, batch, events, seconds, report.eventsPerSecond, report.p50Milliseconds, report.p99Milliseconds))
        }
    }

    struct Report: Codable {
        var clients, batch, requests, events: Int
        var seconds, eventsPerSecond, p50Milliseconds, p99Milliseconds: Double
    }
}

/// `sluice bench sse`: connections, memory per idle connection, and delivery latency.
struct SSEBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse",
        abstract: "Open many Private SSE streams; report connects/s, server memory per idle connection, ack-to-receipt latency.")

    @OptionGroup var admin: AdminOptions
    @Option(help: "Open streams here instead of at --url (a server's --stream-port).") var streamURL: String?
    @Option(help: "Streams to open.") var connections = 1000
    @Option(help: "Marked tweets per second in the latency phase.") var rate: Double = 20
    @Option(help: "Seconds of the latency phase.") var duration: Double = 10
    @Option(help: "The server's process id, to read its memory.") var serverPID: Int32?
    @Option(help: "Spread connections over this many loopback source addresses (127.0.0.2…).") var sourceAddresses = 1
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        FileLimit.raiseToHardLimit()
        let bench = SSEBenchmark(
            baseURL: admin.url, streamURL: streamURL, adminToken: try admin.resolvedToken(), connections: connections, publishRate: rate, duration: duration, serverPID: serverPID,
            sourceAddresses: sourceAddresses)
        let report = try await bench.run { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        if json {
            print(try JSONCoding.string(report))
        } else {
            print(String(format: """
                sse: %d/%d connected; %.0f tokens/s, %.0f connections/s; %@
                     %d deliveries of %d expected; ack p50 %.2f ms; ack→receipt p50 %.2f ms, p99 %.2f ms; publish→receipt p99 %.2f ms; load generator CPU %.1f s
                """, report.connected, report.connections, report.tokensPerSecond, report.connectsPerSecond,
                report.bytesPerIdleConnection.map { String(format: "%.1f KB per idle connection", $0 / 1000) } ?? "memory not measured",
                report.deliveries, report.expectedDeliveries, report.ackP50Milliseconds, report.ackToReceiptP50Milliseconds,
                report.ackToReceiptP99Milliseconds, report.publishToReceiptP99Milliseconds, report.loadGeneratorCPUSeconds))
        }
    }
}

/// `sluice bench filter-index`: routing cost per event as unrelated subscriptions grow.
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
            print(String(format: "%7d subscriptions: %.0f ns per event (%.2f× the first), %.2f matches per event",
                count, result.nanosecondsPerEvent, result.nanosecondsPerEvent / baseline!, result.matchesPerEvent))
        }
    }
}
