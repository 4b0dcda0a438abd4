import Synchronization

/// Counters that concurrent tasks of one scenario add to: a `Mutex` in a class, since a `Mutex` itself
/// cannot be captured by the tasks of a task group.
final class Tally<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ value: Value) { state = Mutex(value) }

    func update<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { state.withLock(body) }
}
