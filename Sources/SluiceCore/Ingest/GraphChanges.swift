/// The net effect of a sequence of follow/unfollow/block/unblock events on the social graph.
///
/// A group commit applies many events at once; folding them first into "edges to add" and "edges to
/// remove" lets the store write the graph with two statements per relation, in any order, and still end
/// where applying the events one by one would. Blocking also removes follows in both directions.
public struct GraphChanges: Sendable, Equatable {
    public struct Edge: Sendable, Hashable {
        public var source: Int64
        public var target: Int64
        public init(_ source: Int64, _ target: Int64) {
            self.source = source
            self.target = target
        }
    }

    /// The final state of every follow edge the events touched: `true` present, `false` absent.
    public private(set) var follows: [Edge: Bool] = [:]
    /// The final state of every block edge the events touched.
    public private(set) var blocks: [Edge: Bool] = [:]

    public init() {}

    public init<S: Sequence>(folding events: S) where S.Element == Event {
        for event in events { apply(event) }
    }

    public mutating func apply(_ event: Event) {
        switch event {
        case .follow(let r):
            follows[Edge(r.sourceID, r.targetID)] = true
        case .unfollow(let r):
            follows[Edge(r.sourceID, r.targetID)] = false
        case .block(let r):
            blocks[Edge(r.sourceID, r.targetID)] = true
            follows[Edge(r.sourceID, r.targetID)] = false
            follows[Edge(r.targetID, r.sourceID)] = false
        case .unblock(let r):
            blocks[Edge(r.sourceID, r.targetID)] = false
        default:
            break
        }
    }

    public var isEmpty: Bool { follows.isEmpty && blocks.isEmpty }
}
