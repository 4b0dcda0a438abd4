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
