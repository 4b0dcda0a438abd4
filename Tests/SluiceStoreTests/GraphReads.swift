import SluiceCore
import SluiceStore

/// Reads of the graph that only tests need, answered from `socialGraph()` (one snapshot), so that no
/// store implements them for production.
extension EventLog {
    /// The ids `userID` follows, in order.
    func following(of userID: Int64) async throws -> [Int64] {
        try await socialGraph().follows.filter { $0.source == userID }.map(\.target).sorted()
    }

    /// The ids following `userID`, in order.
    func followers(of userID: Int64) async throws -> [Int64] {
        try await socialGraph().follows.filter { $0.target == userID }.map(\.source).sorted()
    }

    func isBlocking(_ sourceID: Int64, _ targetID: Int64) async throws -> Bool {
        try await socialGraph().blocks.contains(SocialState.Edge(sourceID, targetID))
    }
}
