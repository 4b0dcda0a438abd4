/// How the nodes sharing one store talk to each other: a wake-up when the log grows on any node,
/// and control requests forwarded to the node that holds a stream.
///
/// Only a store several nodes can share has one (`PostgresStore`); a single node needs none.
public protocol ClusterBus: Sendable {
    /// Listens for this node until the task is cancelled, reconnecting after failures.
    ///
    /// - Parameters:
    ///   - logMayHaveGrown: called when another node (or this one) committed to the log, and each time
    ///     listening (re)starts, since notifications sent while not listening are lost: the caller
    ///     catches up by sequence, so a spurious call costs one empty read.
    ///   - handleRequest: answers a request `forward` sent to this node.
    ///   - heard: receives what any node `announce`d (this one's own announcements included).
    ///   - listening: called each time listening (re)starts, before any notification is handled:
    ///     announcements sent while not listening are lost, so the caller re-checks what they would
    ///     have told it (revoked keys and grants) against the store.
    func listen(
        node: String, logMayHaveGrown: @escaping @Sendable () -> Void,
        handleRequest: @escaping @Sendable (String) async -> String,
        heard: @escaping @Sendable (String) async -> Void,
        listening: @escaping @Sendable () async -> Void
    ) async throws

    /// Tells every node about a change that acts on open streams (a key or a grant revoked). At most
    /// a few kilobytes.
    func announce(_ message: String) async throws

    /// Sends `request` to `node` and returns its answer; throws `StoreError.unavailable` when it does
    /// not answer within `timeout`.
    func forward(_ request: String, from: String, to node: String, timeout: Duration) async throws -> String
}
