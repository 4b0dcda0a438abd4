import Logging

extension StoreLocation {
    /// Opens the store this location names, migrated and ready.
    public func open(logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let location):
            try await PostgresStore.open(location, logger: logger)
        }
    }
}
