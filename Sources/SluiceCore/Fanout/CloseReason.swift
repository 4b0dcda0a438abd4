/// Why the server ends a stream; each is announced to the client before the connection closes.
public enum CloseReason: String, Sendable, Equatable {
    case idleTimeout = "idle_timeout"
    case tokenExpired = "token_expired"
    case keyRevoked = "key_revoked"
    case shutdown
    case slowReader = "slow_reader"
    /// This node could not confirm the stream's place in its key's pool for a whole lease period (it
    /// paused, or lost the shared database): another node may have given the place away.
    case leaseLost = "lease_lost"
    /// The log moved backwards under this node (a restored database, a failover to a lagging standby):
    /// sequence numbers the client saw may now name other events.
    case logRewound = "log_rewound"
    /// A resuming stream's `Last-Event-ID` is in the log, but this node's follower did not reach it in time.
    case behindTheLog = "behind_the_log"
    /// An operator closed the stream (the console's Connections page, `DELETE /v1/admin/connections/{id}`).
    case closedByOperator = "closed_by_operator"

    public var message: String {
        switch self {
        case .idleTimeout: "nothing was delivered for the idle timeout; reconnect with a new token"
        case .tokenExpired: "the stream token expired; reconnect with a new token"
        case .keyRevoked: "the API key was revoked"
        case .shutdown: "the server is shutting down; reconnect with a new token and Last-Event-ID"
        case .slowReader: "the client did not read fast enough and its buffer filled up"
        case .logRewound:
            "the event log moved backwards (the database was restored or failed over); reconnect with a new token, without Last-Event-ID"
        case .behindTheLog: "this server has not caught up with the log to your Last-Event-ID yet; reconnect with it (another server may be ahead)"
        case .closedByOperator: "an operator of this server closed the stream; reconnect with a new token and Last-Event-ID"
        case .leaseLost:
            "this server lost touch with the cluster and may no longer hold the stream's place; reconnect with a new token and Last-Event-ID"
        }
    }
}
