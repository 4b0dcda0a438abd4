import Foundation

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
