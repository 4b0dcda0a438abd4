import Foundation
import SluiceAPI
import Synchronization

/// The last minutes of every node's figures, one sample a second, for the console's charts.
final class StatsHistory: Sendable {
    struct Sample: Sendable {
        var at: Date
        var nodes: [NodeFigures]
    }

    private let samples = Mutex<[Sample]>([])
    /// How many samples are kept: ten minutes at one a second.
    let capacity: Int

    init(capacity: Int = 600) {
        self.capacity = capacity
    }

    func append(_ sample: Sample) {
        samples.withLock { samples in
            samples.append(sample)
            if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
        }
    }

    var latest: Sample? { samples.withLock { $0.last } }

    /// The samples taken at or after `date`.
    func samples(since date: Date) -> [Sample] {
        samples.withLock { samples in Array(samples.drop { $0.at < date }) }
    }
}
