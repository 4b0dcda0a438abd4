import Foundation
import Logging
import SluiceCore

extension StoreLocation {
    /// Opens the store this location names, migrated and ready.
    /// - Parameter maxEventBytes: the largest event the log accepts, by its stored JSON.
    /// - Parameter clockSkew: added to this node's clock before a shared store corrects it to the
    ///   database's (tests only: it plays a node whose clock is wrong).
    public func open(maxEventBytes: Int = Event.defaultMaxStoredBytes, clockSkew: TimeInterval = 0, logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            try await SQLiteStore.open(path: path, maxEventBytes: maxEventBytes, logger: logger)
        case .postgres(let location):
            try await PostgresStore.open(location, maxEventBytes: maxEventBytes, clockSkew: clockSkew, logger: logger)
        }
    }
}
