import SluiceCore

/// The batches of one group commit, validated one after another against the log and the batches
/// accepted before them: each is accepted or refused whole, and a refused batch takes no sequence.
struct GroupCommit {
    /// The accepted events, in order, to be stored from `firstSequence` on.
    var accepted: [Event] = []
    /// For each accepted event, the sequence number of the last event of its batch.
    var batchEnds: [Int64] = []
    /// Per batch, in order: its sequence range, or why it was refused.
    var outcomes: [Result<ClosedRange<Int64>, StoreError>] = []

    init(_ batches: [[Event]], after lastSequence: Int64, known: KnownEntities) {
        var known = known
        var next = lastSequence + 1
        for events in batches {
            switch BatchValidator.resolve(events, against: &known) {
            case .failure(let rejection):
                outcomes.append(.failure(.rejected(rejection)))
            case .success(let events):
                // As the log stores them: every profile resolved against the current one.
                accepted += events
                batchEnds += Array(repeating: next + Int64(events.count) - 1, count: events.count)
                outcomes.append(.success(next...(next + Int64(events.count) - 1)))
                next += Int64(events.count)
            }
        }
    }
}
