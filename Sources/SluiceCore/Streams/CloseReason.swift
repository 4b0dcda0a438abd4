/// Why the server ends a stream; each is announced to the client before the connection closes.
public enum CloseReason: String, Sendable, Equatable {
    case idleTimeout = "idle_timeout"
    case tokenExpired = "token_expired"
    case keyRevoked = "key_revoked"
    case shutdown
    case slowReader = "slow_reader"

    public var message: String {
        switch self {
        case .idleTimeout: "nothing was delivered for the idle timeout; reconnect with a new token"
        case .tokenExpired: "the stream token expired; reconnect with a new token"
        case .keyRevoked: "the API key was revoked"
        case .shutdown: "the server is shutting down; reconnect with a new token and Last-Event-ID"
        case .slowReader: "the client did not read fast enough and its buffer filled up"
        }
    }
}
