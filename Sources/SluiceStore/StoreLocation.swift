/// Where the store lives, as given to `sluice serve --store`.
public enum StoreLocation: Sendable, Equatable {
    /// An SQLite database file (`sqlite:./sluice.db`, or a bare path).
    case sqlite(path: String)
    /// A PostgreSQL database several nodes can share (`postgres://user:password@host:port/database`).
    case postgres(PostgresLocation)

    public init(_ string: String) throws {
        if string.hasPrefix("sqlite:") {
            let path = String(string.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError.invalidLocation("sqlite: needs a file path, e.g. sqlite:./sluice.db") }
            self = .sqlite(path: path)
        } else if string.hasPrefix("postgres://") || string.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(string))
        } else if string.contains("://") {
            throw StoreError.invalidLocation(
                "unknown store \"\(PostgresLocation.redacted(string))\"; use sqlite:PATH or postgres://user:password@host:port/database")
        } else {
            self = .sqlite(path: string)
        }
    }
}
