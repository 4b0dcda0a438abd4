import Logging
import ServiceLifecycle
import SluiceStore

/// This node's ear on the cluster bus: wakes the log follower when any node commits, answers the requests
/// other nodes forward for the streams held here (control requests, the operator's list and close), and applies revocations announced by other
/// nodes. Runs only with a shared store. Each time it (re)connects, it re-checks the keys and grants
/// of the streams open here, since revocations announced while it was away were not heard.
struct ClusterListener: Service {
    let bus: any ClusterBus
    let node: String
    let follower: LogFollower
    let requests: ClusterRequestHandler
    let announcer: ClusterAnnouncer

    func run() async throws {
        let follower = self.follower
        let requests = self.requests
        let announcer = self.announcer
        try? await cancelWhenGracefulShutdown {
            try await bus.listen(
                node: node, logMayHaveGrown: { follower.notify() },
                handleRequest: { await requests.answer(json: $0) },
                heard: { announcer.heard($0) },
                listening: { await announcer.recheckOpenStreams() })
        }
    }
}
