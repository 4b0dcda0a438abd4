import SluiceCore

/// The batches of one group commit, validated one after another against the log and the batches
/// accepted before them: each is accepted or refused whole, and a refused batch takes no sequence.
struct GroupCommit {
    /// The accepted events, in order, to be stored from `firstSequence` on.
    var accepted: [Event] = []
    /// Each accepted event's stored JSON (`Event.encodedData()`), encoded once, here.
    var acceptedData: [String] = []
    /// For each accepted event, the sequence number of the last event of its batch.
    var batchEnds: [Int64] = []
    /// Per batch, in order: its sequence range, or why it was refused.
    var outcomes: [Result<ClosedRange<Int64>, StoreError>] = []

    /// - Parameter maxEventBytes: the largest stored JSON of one event (`--max-event-bytes`), checked on
    ///   the resolved events, as they will be stored and streamed.
    init(_ batches: [[Event]], after lastSequence: Int64, known: KnownEntities, maxEventBytes: Int = Event.defaultMaxStoredBytes) {
        var known = known
        var next = lastSequence + 1
        for events in batches {
            var resolved = known
            switch BatchValidator.resolve(events, against: &resolved) {
            case .failure(let rejection):
                outcomes.append(.failure(.rejected(rejection)))
            case .success(let events):
                let data: [String]
                switch Self.encode(events, maxBytes: maxEventBytes) {
                case .failure(let rejection):
                    outcomes.append(.failure(.rejected(rejection)))
                    continue
                case .success(let encoded):
                    data = encoded
                }
                known = resolved
                acceptedData += data
                // As the log stores them: every profile resolved against the current one.
                accepted += events
                batchEnds += Array(repeating: next + Int64(events.count) - 1, count: events.count)
                outcomes.append(.success(next...(next + Int64(events.count) - 1)))
                next += Int64(events.count)
            }
        }
    }

    private static func encode(_ events: [Event], maxBytes: Int) -> Result<[String], BatchRejection> {
        var data: [String] = []
        data.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            guard let json = try? event.encodedData() else {
                return .failure(BatchRejection(index: index, code: .invalidEvent, message: "event \(index) cannot be written as JSON"))
            }
            let size = json.utf8.count
            if size > maxBytes { return .failure(.tooLarge(index: index, size: size, maxBytes: maxBytes)) }
            data.append(json)
        }
        return .success(data)
    }
}
