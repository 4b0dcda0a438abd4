import Foundation
import PostgresNIO

/// A PostgreSQL store location, `postgres://user:password@host:port/database[?sslmode=disable|require]`,
/// turned into PostgresNIO's client configuration.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `disable` (the default: loopback and private networks), `prefer` or `require`.
    public var sslMode: String

    public init(_ url: String) throws(StoreError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw .invalidLocation("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidLocation("\(Self.redacted(url)): a host is required") }
        guard let username = components.user, !username.isEmpty else { throw .invalidLocation("\(Self.redacted(url)): a user is required") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .invalidLocation("\(Self.redacted(url)): a database name is required") }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw .invalidLocation("sslmode must be disable, prefer or require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL with its password hidden, for logs and errors: secrets are never logged.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgres://…" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres://…"
    }

    /// The pool's configuration.
    var configuration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case "require": .require(.makeClientConfiguration())
            case "prefer": .prefer(.makeClientConfiguration())
            default: .disable
            }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }

    /// One connection's configuration (migrations run on their own connection, before the pool).
    var connectionConfiguration: PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case "require": .require(try! .init(configuration: .makeClientConfiguration()))
            case "prefer": .prefer(try! .init(configuration: .makeClientConfiguration()))
            default: .disable
            }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
