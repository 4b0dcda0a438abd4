import Synchronization

/// The queue both log writers commit from, in groups: jobs that arrive while a group commits wait, and
/// the next group takes every one of them at once, so many small writes share one transaction.
///
/// At most one group runs at a time. Its task lives only while the queue is non-empty, and `close()`
/// waits for it, so the queue owns every task it starts.
final class GroupCommitQueue<Job: Sendable>: Sendable {
    /// Commits a group, in order, and returns the jobs to put back at the head of the queue for the
    /// next group (a batch whose idempotency key an earlier batch of the group used).
    typealias Commit = @Sendable ([Job]) async -> [Job]

    private struct State {
        var queue: [Job] = []
        var draining = false
        var closed = false
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Queues `job`, starting a group with `commit` unless one is running (the running one takes it
    /// next). Throws `StoreError.closed` once `close()` was called.
    func enqueue(_ job: Job, commit: @escaping Commit) throws {
        let start = try state.withLock { state -> Bool in
            guard !state.closed else { throw StoreError.closed }
            state.queue.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { Task { await self.drain(commit) } }
    }

    /// Refuses new jobs and waits until those queued are committed.
    func close() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                state.closed = true
                guard state.draining else { return true }
                state.drained.append(waiter)
                return false
            }
            if idle { waiter.resume() }
        }
    }

    private func drain(_ commit: Commit) async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                defer { state.queue.removeAll(keepingCapacity: true) }
                return state.queue
            }
            if !jobs.isEmpty {
                let again = await commit(jobs)
                if !again.isEmpty { state.withLock { $0.queue.insert(contentsOf: again, at: 0) } }
                continue
            }
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
                // Checked again under the lock: a job queued since the last look starts no group of
                // its own (draining is still set), so this one must take it.
                guard state.queue.isEmpty else { return nil }
                state.draining = false
                defer { state.drained.removeAll() }
                return state.drained
            }
            guard let waiters else { continue }
            for waiter in waiters { waiter.resume() }
            return
        }
    }
}
