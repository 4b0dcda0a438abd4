import Configuration
import Logging

/// Everything `buildApplication` reads from configuration, with its defaults.
///
/// Keys are relative to the reader given (the CLI scopes it to `sluice`, so `store` is also
/// `SLUICE_STORE` in the environment, `admin.token` is `SLUICE_ADMIN_TOKEN`, …).
public struct ServerSettings: Sendable {
    /// `store`: where the data lives (`sqlite:./sluice.db`).
    public var store: String
    /// `admin.token`: bearer token of the admin API; the admin API is off without one.
    public var adminToken: String?
    /// `ingest.maxBodyBytes`: the largest ingest body accepted (413 beyond).
    public var maxIngestBodyBytes: Int
    /// `demo.enabled`: seed a demo population and publish live synthetic traffic.
    public var demo: Bool
    /// `demo.rate`: synthetic events per second.
    public var demoRate: Double
    /// `log.level`.
    public var logLevel: Logger.Level

    public init(reader: ConfigReader) {
        store = reader.string(forKey: "store", default: "sqlite:./sluice.db")
        adminToken = reader.string(forKey: "admin.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        maxIngestBodyBytes = reader.int(forKey: "ingest.maxBodyBytes", default: 8 * 1024 * 1024)
        demo = reader.bool(forKey: "demo.enabled", default: false)
        demoRate = reader.double(forKey: "demo.rate", default: 5)
        logLevel = reader.string(forKey: "log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info
    }
}
