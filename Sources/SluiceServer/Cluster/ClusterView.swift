import SluiceAPI
import Synchronization

/// The nodes of the cluster as this node last heard them: each node announces its figures every
/// second (`StatsSampler`), and one not heard for `staleAfter` has left (or cannot reach the
/// database) and is no longer listed. Without a shared store there is no other node to hear.
final class ClusterView: Sendable {
    private let heard = Mutex<[String: (figures: NodeFigures, at: ContinuousClock.Instant)]>([:])
    let staleAfter: Duration

    init(staleAfter: Duration = .seconds(5)) {
        self.staleAfter = staleAfter
    }

    func heard(_ figures: NodeFigures, at instant: ContinuousClock.Instant = .now) {
        heard.withLock { $0[figures.node] = (figures, instant) }
    }

    /// The latest figures of every node heard within `staleAfter`, by node name.
    func current(at instant: ContinuousClock.Instant = .now) -> [NodeFigures] {
        heard.withLock { heard in
            heard = heard.filter { instant - $0.value.at < staleAfter }
            return heard.values.map(\.figures).sorted { $0.node < $1.node }
        }
    }
}
