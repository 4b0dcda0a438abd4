import Logging
import SluiceCore

extension StoreLocation {
    /// Opens the store this location names, migrated and ready.
    /// - Parameter maxEventBytes: the largest event the log accepts, by its stored JSON.
    public func open(maxEventBytes: Int = Event.defaultMaxStoredBytes, logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            try await SQLiteStore.open(path: path, maxEventBytes: maxEventBytes, logger: logger)
        case .postgres(let location):
            try await PostgresStore.open(location, maxEventBytes: maxEventBytes, logger: logger)
        }
    }
}
