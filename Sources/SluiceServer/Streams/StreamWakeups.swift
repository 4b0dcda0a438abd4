import NIOCore
import Synchronization

/// Coalesces the wake-ups of the streams on one event loop.
///
/// An event for 10,000 streams wakes 10,000 outboxes. One `EventLoop.execute` each would mean 10,000
/// task allocations and locked enqueues, from the hub's thread, per event. Instead, a wake only adds the
/// stream to its loop's list, and only the first wake after the loop last emptied that list schedules
/// a task, which then drains every stream woken meanwhile, in order.
final class StreamWakeups: Sendable {
    /// A stream's writer to run on the loop.
    typealias Drain = NIOLoopBound<() -> Void>

    private let eventLoop: any EventLoop
    /// The loop's chunk cache (`ChunkCache`), reachable only on the loop.
    let chunks: NIOLoopBoundBox<ChunkCache>
    private let pending = Mutex<(drains: [Drain], scheduled: Bool)>(([], false))

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        chunks = NIOLoopBoundBox.makeBoxSendingValue(ChunkCache(), as: ChunkCache.self, eventLoop: eventLoop)
    }

    /// The wake-ups of `eventLoop` (one object per loop, for the life of the process, as event loops are).
    /// Also keeps the loop's `ChunkCache`, which has the same scope.
    static func of(_ eventLoop: any EventLoop) -> StreamWakeups {
        let id = ObjectIdentifier(eventLoop)
        return registry.withLock { loops in
            if let existing = loops[id] { return existing }
            let created = StreamWakeups(eventLoop: eventLoop)
            loops[id] = created
            return created
        }
    }

    private static let registry = Mutex<[ObjectIdentifier: StreamWakeups]>([:])

    /// Runs `drain` on the loop soon, with every other drain requested before that run begins.
    func wake(_ drain: Drain) {
        let schedule = pending.withLock { state -> Bool in
            state.drains.append(drain)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        guard schedule else { return }
        eventLoop.execute { self.runPending() }
    }

    private func runPending() {
        let drains = pending.withLock { state -> [Drain] in
            state.scheduled = false
            let drains = state.drains
            state.drains.removeAll(keepingCapacity: true)
            return drains
        }
        for drain in drains { drain.value() }
    }
}
