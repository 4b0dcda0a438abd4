import Foundation
import SluiceCore

/// A place held in a limited pool shared by every node: one of a key's concurrent streams, or the
/// registration of an open Site Streams connection (which node holds it, for control requests).
///
/// A lease lasts until `expiresAt` unless its node renews it (`Store.renewLeases`), so the places
/// of a node that died free themselves within one lease period.
public struct Lease: Sendable, Hashable {
    /// Unique across the cluster (a connection id).
    public var id: String
    /// The pool this lease counts against, e.g. `connections:KEY_ID`.
    public var scope: String
    /// The node holding the connection.
    public var node: String
    public var expiresAt: Date

    public init(id: String, scope: String, node: String, expiresAt: Date) {
        self.id = id
        self.scope = scope
        self.node = node
        self.expiresAt = expiresAt
    }
}

/// The outcome of admitting a Private SSE stream (`Store.admitStream`): the token spent and a place
/// taken together, or neither.
public enum StreamAdmissionOutcome: Sendable, Equatable {
    /// The token is spent (by the lease) and the place is held; the key as it stands.
    case admitted(StreamToken, APIKey)
    /// The token cannot be spent (unknown, used, expired, key revoked); no place was taken.
    case refused(TokenUse)
    /// The key's pool is full; the token is left unspent.
    case full
}
