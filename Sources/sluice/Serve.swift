import ArgumentParser
import Configuration
import Hummingbird
import SluiceServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server.",
        discussion: "Every option, and a few more settings, can also come from the environment: "
            + ServerSettings.environmentVariables.joined(separator: ", ") + ". Options given on the command line win.")

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).") var port: Int?
    @Option(
        help: "Where data lives: sqlite:PATH (default sqlite:./sluice.db), or postgres://user:password@host:port/db, which several nodes can share.")
    var store: String?
    @Option(help: "This node's name among nodes sharing a PostgreSQL store (default: the host name).") var node: String?
    @Option(help: "Seconds a dead node's connections keep their places in cross-node limits (default 15).") var leaseSeconds: Int?
    @Option(help: "Bearer token for the admin API (off without one).") var adminToken: String?
    @Option(help: "Also serve streams on a dedicated listener at this port (0 picks one).") var streamPort: Int?
    @Option(help: "PEM certificate chain: serve HTTPS (with --tls-key).") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Option(help: "Largest ingest body in bytes (default 8 MiB).") var maxBodyBytes: Int?
    @Option(help: "Largest event in bytes of its JSON (default 131072).") var maxEventBytes: Int?
    @Option(help: "Bytes queued per stream before it is closed as a slow reader (default 262144).") var outboxBytes: Int?
    @Option(help: "Connections open at once on all listeners; past it, 503 (default: the open-file limit less 1,000).")
    var maxConnections: Int?
    @Option(help: "Seconds a new connection has to send its request head (default 10).") var headTimeout: Int?
    @Option(help: "Seconds a request has to send its body after its head (default 60).") var bodyTimeout: Int?
    @Option(help: "Seconds a kept-alive connection may wait for its next request (default 60).") var idleTimeout: Int?
    @Flag(help: "Seed a demo population and publish live synthetic traffic.") var demo = false
    @Option(help: "Synthetic events per second with --demo (default 5).") var demoRate: Double?
    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?

    func run() async throws {
        FileLimit.raiseToHardLimit()
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { values["sluice.http.host"] = .init(.string(host), isSecret: false) }
        if let port { values["sluice.http.port"] = .init(.int(port), isSecret: false) }
        // The store location may carry a database password.
        if let store { values["sluice.store"] = .init(.string(store), isSecret: true) }
        if let node { values["sluice.cluster.node"] = .init(.string(node), isSecret: false) }
        if let leaseSeconds { values["sluice.cluster.leaseSeconds"] = .init(.int(leaseSeconds), isSecret: false) }
        if let tlsCert { values["sluice.tls.certificate"] = .init(.string(tlsCert), isSecret: false) }
        if let tlsKey { values["sluice.tls.key"] = .init(.string(tlsKey), isSecret: false) }
        if let streamPort { values["sluice.stream.port"] = .init(.int(streamPort), isSecret: false) }
        if let adminToken { values["sluice.admin.token"] = .init(.string(adminToken), isSecret: true) }
        if let maxBodyBytes { values["sluice.ingest.maxBodyBytes"] = .init(.int(maxBodyBytes), isSecret: false) }
        if let maxEventBytes { values["sluice.ingest.maxEventBytes"] = .init(.int(maxEventBytes), isSecret: false) }
        if let outboxBytes { values["sluice.stream.outboxBytes"] = .init(.int(outboxBytes), isSecret: false) }
        if let maxConnections { values["sluice.http.maxConnections"] = .init(.int(maxConnections), isSecret: false) }
        if let headTimeout { values["sluice.http.headTimeoutSeconds"] = .init(.int(headTimeout), isSecret: false) }
        if let bodyTimeout { values["sluice.http.bodyTimeoutSeconds"] = .init(.int(bodyTimeout), isSecret: false) }
        if let idleTimeout { values["sluice.http.idleTimeoutSeconds"] = .init(.int(idleTimeout), isSecret: false) }
        if demo { values["sluice.demo.enabled"] = .init(.bool(true), isSecret: false) }
        if let demoRate { values["sluice.demo.rate"] = .init(.double(demoRate), isSecret: false) }
        if let logLevel { values["sluice.log.level"] = .init(.string(logLevel), isSecret: false) }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "arguments", values: values),
            EnvironmentVariablesProvider(),
        ])
        let app = try await buildApplication(reader: reader.scoped(to: "sluice"))
        try await app.runService()
    }
}
