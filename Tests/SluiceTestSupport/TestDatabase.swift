import Foundation
import Logging
import PostgresNIO

/// Fresh PostgreSQL databases for tests, on the server `SLUICE_TEST_POSTGRES_URL` names (`scripts/test`
/// starts one with `scripts/test-postgres`).
public enum TestDatabase {
    /// The server's URL, or nil when the PostgreSQL tests are not to run.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Creates an empty database and returns its URL.
    public static func create() async throws -> String {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw TimedOut(what: "SLUICE_TEST_POSTGRES_URL (start one with scripts/test-postgres start)")
        }
        let name = "sluice_test_\(UInt64.random(in: 0...UInt64.max))"
        let configuration = PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "test-database")
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            do {
                try await connection.query("CREATE DATABASE \(unescaped: name)", logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            // PostgresNIO's errors print nothing useful by default; a failing test must say why.
            throw TestDatabaseError(description: "cannot create a test database on \(server): \(String(reflecting: error))")
        }
        components.path = "/" + name
        return components.string!
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var description: String
}
