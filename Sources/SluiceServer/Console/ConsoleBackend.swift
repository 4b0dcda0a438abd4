/// What the admin API needs beyond the store to serve the operator console: the figures' history
/// (for the charts) and the cluster's open streams.
struct ConsoleBackend: Sendable {
    let history: StatsHistory
    let connections: ConnectionsController
}
