import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench`: a load generator, run as its own process, that measures a running server — Sluice,
/// or any streaming server given by URLs — plus two in-process benchmarks of the routing core.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a running server (Sluice, or nchan, Pushpin and others by URL).",
        discussion: """
            Scenarios: fanout, filtered, sitestreams, connect, idle, replay, ingest; `plot` charts saved JSON reports.
            In-process: filter-index, site-routing. Progress goes to stderr; the result to stdout, as a
            table or, with --json, as JSON.
            """,
        subcommands: [
            FanoutBench.self, FilteredBench.self, SiteStreamsBench.self, ConnectBench.self, IdleBench.self, ReplayBench.self, IngestBench.self,
            PlotBench.self,
            FilterIndexBench.self, SiteRoutingBench.self,
        ])
}

/// Which server a scenario measures: Sluice by `--url` and `--admin-token`, or any server by
/// `--subscribe-url` (and `--publish-url`).
struct TargetOptions: ParsableArguments {
    @Option(help: "Sluice's URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Open Sluice streams here instead of at --url (a server's --stream-port).") var streamURL: String?
    @Option(help: "Sluice's admin token (or SLUICE_ADMIN_TOKEN); the run creates its own key.") var adminToken: String?
    @Option(help: "Generic mode: where each stream is opened ({{n}} = the connection's number).") var subscribeURL: String?
    @Option(help: "Generic mode: where each message is POSTed.") var publishURL: String?
    @Option(help: "Generic mode: the message body; {{marker}} carries the publish time, {{id}} and {{n}} count.")
    var publishBody = "{{marker}}"
    @Option(help: "Generic mode: a header for every publish (\"Name: value\"); repeatable.") var publishHeader: [String] = []
    @Option(help: "Generic mode: the publish body's content type.") var contentType = "text/plain"
    @Option(help: "Generic mode: how the stream frames messages (sse or lines).") var framing = "sse"
    @Option(help: "A name for the server in reports.") var label: String?
    @Option(help: "The server's process id, to read its CPU and memory; repeatable (nginx, Pushpin run several).")
    var serverPID: [Int32] = []
    @Option(help: "Spread connections over this many loopback source addresses (127.0.0.2…).") var sourceAddresses = 4

    func target() throws -> BenchTarget {
        if let subscribeURL {
            let headers = try publishHeader.map { header -> (String, String) in
                guard let colon = header.firstIndex(of: ":") else { throw ValidationError("--publish-header takes \"Name: value\"") }
                return (String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            guard let framing = ["sse": StreamLoad.Framing.serverSentEvents, "lines": .jsonLines][framing] else {
                throw ValidationError("--framing is sse or lines")
            }
            guard BodyTemplate(publishBody).placeholders.contains("marker") else {
                throw ValidationError("--publish-body must contain {{marker}}, which carries the publish time to the receiver")
            }
            return .generic(
                GenericTarget(
                    subscribeURL: subscribeURL, publishURL: publishURL, publishBody: publishBody, publishHeaders: headers,
                    contentType: contentType, framing: framing, label: label ?? "generic"))
        }
        return .sluice(try sluiceTarget())
    }

    func sluiceTarget() throws -> SluiceTarget {
        guard subscribeURL == nil else { throw ValidationError("this scenario measures Sluice only; drop --subscribe-url") }
        guard let token = adminToken ?? ProcessInfo.processInfo.environment["SLUICE_ADMIN_TOKEN"] else {
            throw ValidationError("give --admin-token or set SLUICE_ADMIN_TOKEN (or --subscribe-url for another server)")
        }
        return SluiceTarget(baseURL: url, streamURL: streamURL, adminToken: token, label: label ?? "sluice")
    }
}

/// `--json` and `--plot`.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Also draw the latency distribution into this SVG file.") var plot: String?

    func emit<R: Encodable>(_ report: R, table: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(table)
        }
    }
}

/// Progress lines, on stderr so that stdout holds only the result.
@Sendable func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
