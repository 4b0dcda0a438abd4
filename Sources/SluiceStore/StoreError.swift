import SluiceCore

/// What a store's operations throw.
public enum StoreError: Error, Sendable, Equatable {
    /// The batch was refused; nothing of it was stored.
    case rejected(BatchRejection)
    /// The store was closed.
    case closed
    /// The store cannot be reached or failed; the operation may be retried.
    case unavailable(String)
    /// The store location could not be understood.
    case invalidLocation(String)
    /// The batch's idempotency key was used before with a different request.
    case idempotencyKeyReused
}

extension StoreError: CustomStringConvertible {
    /// What an operator reads (a failed `serve` prints it): the reason, not the case's spelling.
    public var description: String {
        switch self {
        case .rejected(let rejection): "the batch was refused: \(rejection.message)"
        case .closed: "the store is closed"
        case .unavailable(let reason): reason
        case .invalidLocation(let reason): "invalid store location: \(reason)"
        case .idempotencyKeyReused: "the idempotency key was used before with a different request"
        }
    }
}
