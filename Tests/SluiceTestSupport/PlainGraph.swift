import SluiceCore

/// The follow and block graph as the README states it, in plain sets: what the visibility oracles share,
/// written from the rules, not from the code under test.
public struct PlainGraph: Sendable {
    public var follows: Set<[Int64]> = []
    public var blocks: Set<[Int64]> = []

    public init() {}

    public func follows(_ a: Int64, _ b: Int64) -> Bool { follows.contains([a, b]) }
    public func eitherBlocks(_ a: Int64, _ b: Int64) -> Bool { blocks.contains([a, b]) || blocks.contains([b, a]) }

    /// Applies a graph event: follow, unfollow, block (which also ends follows both ways), unblock.
    /// Returns false, changing nothing, for any other kind.
    @discardableResult
    public mutating func apply(_ event: Event) -> Bool {
        switch event {
        case .follow(let r): follows.insert([r.sourceID, r.targetID])
        case .unfollow(let r): follows.remove([r.sourceID, r.targetID])
        case .block(let r):
            blocks.insert([r.sourceID, r.targetID])
            follows.remove([r.sourceID, r.targetID])
            follows.remove([r.targetID, r.sourceID])
        case .unblock(let r): blocks.remove([r.sourceID, r.targetID])
        default: return false
        }
        return true
    }
}
