/// Where the store lives, as given to `sluice serve --store`.
public enum StoreLocation: Sendable, Equatable {
    /// An SQLite database file (`sqlite:./sluice.db`, or a bare path).
    case sqlite(path: String)

    public init(_ string: String) throws {
        if string.hasPrefix("sqlite:") {
            let path = String(string.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError.invalidLocation("sqlite: needs a file path, e.g. sqlite:./sluice.db") }
            self = .sqlite(path: path)
        } else if string.hasPrefix("postgres://") || string.hasPrefix("postgresql://") {
            throw StoreError.invalidLocation("the PostgreSQL store is not available in this build; use sqlite:PATH")
        } else if string.contains("://") {
            throw StoreError.invalidLocation("unknown store \"\(string)\"; use sqlite:PATH")
        } else {
            self = .sqlite(path: string)
        }
    }
}
