import Logging
import ServiceLifecycle
import SluiceStore

/// This node's ear on the cluster bus: wakes the log follower when any node commits, and answers
/// control requests other nodes forward for the streams held here. Runs only with a shared store.
struct ClusterListener: Service {
    let bus: any ClusterBus
    let node: String
    let follower: LogFollower
    let executor: ControlExecutor

    func run() async throws {
        let follower = self.follower
        let executor = self.executor
        try? await cancelWhenGracefulShutdown {
            try await bus.listen(
                node: node, logMayHaveGrown: { follower.notify() },
                handleRequest: { await executor.execute(json: $0) })
        }
    }
}
