import Foundation
import SluiceCore

/// Everything Sluice keeps, as the roles its components use: the `EventLog`, `Credentials`,
/// `SiteApps` and `SharedLimits`; and, for several nodes, the `ClusterBus`. A component holds only the
/// roles it needs (`any EventLog`, `any Credentials & SharedLimits`, …); the application owns the store.
///
/// Implementations: `SQLiteStore` (embedded default, one node) and `PostgresStore` (several nodes on
/// one database), one file per role each. Every implementation passes the same contract tests
/// (`Tests/SluiceStoreTests`).
public protocol Store: EventLog, Credentials, SiteApps, SharedLimits {
    /// How the nodes sharing this store reach each other; nil for a single-node store.
    var clusterBus: (any ClusterBus)? { get }

    /// Succeeds when the store can serve reads.
    func ping() async throws
    /// Finishes writes under way and releases the store. Later calls throw `StoreError.closed`.
    func close() async throws
}
