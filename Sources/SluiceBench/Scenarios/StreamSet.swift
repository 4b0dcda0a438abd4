import AsyncHTTPClient
import Foundation

/// The open streams of a scenario, and how to publish to them: prepared the same way for Sluice (a
/// token per stream, a filter per stream) and for a generic server (a URL per stream).
struct StreamSet: Sendable {
    let load: StreamLoad
    let connections: Int
    let opened: Int
    let connectsPerSecond: Double
    let publisher: Publisher?

    /// Opens `connections` streams, 64 at a time, spread over `sourceAddresses` loopback addresses
    /// (127.0.0.2, 127.0.0.3, …) so that no address runs out of ephemeral ports.
    ///
    /// - Parameter query: extra query parameters for stream `n` (Sluice only: its filter).
    static func open(
        _ target: BenchTarget, connections: Int, sourceAddresses: Int, http: HTTPClient,
        query: @escaping @Sendable (Int) -> String = { _ in "" }, log: @Sendable (String) -> Void
    ) async throws -> StreamSet {
        let address: StreamAddress
        let paths: [String]
        let publisher: Publisher?
        let framing: StreamLoad.Framing
        switch target {
        case .sluice(let sluice):
            let setup = try await SluiceSetup.make(sluice, http: http, connections: connections)
            let clock = ContinuousClock()
            let started = clock.now
            let tokens = try await setup.tokens(connections)
            log(
                String(
                    format: "%@: bought %d stream tokens, %.0f/s", sluice.label, tokens.count,
                    Double(tokens.count) / ((clock.now - started) / .seconds(1))))
            address = try setup.streamAddress
            paths = tokens.enumerated().map { n, token in
                let extra = query(n)
                return "/sse/private?token=\(token)" + (extra.isEmpty ? "" : "&" + extra)
            }
            publisher = Publisher(endpoint: setup.publishEndpoint, http: http)
            framing = .serverSentEvents
        case .generic(let generic):
            address = try StreamAddress(generic.subscribeURL.replacingOccurrences(of: "{{n}}", with: "0"))
            let template = try StreamAddress(generic.subscribeURL).path
            paths = (0..<connections).map {
                template.replacingOccurrences(of: "%7B%7Bn%7D%7D", with: String($0)).replacingOccurrences(of: "{{n}}", with: String($0))
            }
            publisher = generic.publishURL.map {
                Publisher(
                    endpoint: PublishEndpoint(
                        url: $0, headers: generic.publishHeaders, body: BodyTemplate(generic.publishBody), contentType: generic.contentType),
                    http: http)
            }
            framing = generic.framing
        }
        let load = StreamLoad(framing: framing)
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            let lanes = 64
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: paths.count, by: lanes) {
                        let source = sourceAddresses > 1 ? "127.0.0.\(2 + index % sourceAddresses)" : nil
                        _ = try? await load.open(host: address.host, port: address.port, path: paths[index], sourceAddress: source)
                    }
                }
            }
        }
        let seconds = (clock.now - started) / .seconds(1)
        let totals = load.snapshot
        log(String(format: "%@: opened %d of %d streams (%d refused) in %.1f s", target.label, totals.connected, connections, totals.failed, seconds))
        return StreamSet(
            load: load, connections: connections, opened: totals.connected, connectsPerSecond: Double(totals.connected) / seconds,
            publisher: publisher)
    }

    /// Waits until `condition` holds or `timeout` seconds pass; returns whether it held.
    static func wait(timeout: Double, until condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now.advanced(by: .seconds(timeout))
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
