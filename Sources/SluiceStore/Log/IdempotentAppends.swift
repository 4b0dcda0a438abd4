import SluiceCore

/// A publisher's key for one batch (`Idempotency-Key`), so that retrying it after a lost answer
/// stores nothing twice.
public struct IdempotencyKey: Sendable, Hashable {
    /// The key, scoped to its publisher (an API key id), so two publishers' keys never meet.
    public var key: String
    /// A digest of the request that used it: the same key with another request is refused.
    public var fingerprint: String

    /// How long a key is remembered.
    public static let lifetime: Double = 24 * 3600

    public init(scope: String, key: String, fingerprint: String) {
        self.key = scope + ":" + key
        self.fingerprint = fingerprint
    }
}

/// What an append did.
public struct Appended: Sendable, Equatable {
    /// The batch's sequence numbers.
    public var range: ClosedRange<Int64>
    /// True when the batch's key had already been used with the same request: nothing was stored
    /// this time, and `range` is the first append's.
    public var replayed: Bool

    public init(range: ClosedRange<Int64>, replayed: Bool) {
        self.range = range
        self.replayed = replayed
    }
}

/// A key as the store recorded it, with the append it answered.
struct RecordedAppend: Sendable {
    var fingerprint: String
    var range: ClosedRange<Int64>
}

/// How a group commit treats keyed batches, whatever the database: decided inside the append
/// transaction (PostgreSQL: under the log head's lock), so two nodes cannot both append one key.
struct IdempotentGroup {
    /// Batches answered from a recorded key, by index: the first append's range, or a refusal.
    var answered: [Int: Result<Appended, StoreError>] = [:]
    /// Indexes of the batches to validate and append now.
    var commit: [Int] = []
    /// Indexes of batches whose key an earlier batch of the group uses: they wait for the next group,
    /// which then answers them from that batch's record.
    var deferred: [Int] = []

    init(_ keys: [IdempotencyKey?], recorded: [String: RecordedAppend]) {
        var inGroup = Set<String>()
        for (index, key) in keys.enumerated() {
            guard let key else {
                commit.append(index)
                continue
            }
            if let record = recorded[key.key] {
                answered[index] =
                    record.fingerprint == key.fingerprint ? .success(Appended(range: record.range, replayed: true)) : .failure(.idempotencyKeyReused)
            } else if inGroup.insert(key.key).inserted {
                commit.append(index)
            } else {
                deferred.append(index)
            }
        }
    }

    /// The outcome of every batch that was answered or committed, in index order, and the keys to record
    /// with the ranges their batches got.
    func outcomes(
        keys: [IdempotencyKey?], committed: [Result<ClosedRange<Int64>, StoreError>]
    ) -> (outcomes: [Int: Result<Appended, StoreError>], records: [(IdempotencyKey, ClosedRange<Int64>)]) {
        var outcomes = answered
        var records: [(IdempotencyKey, ClosedRange<Int64>)] = []
        for (index, outcome) in zip(commit, committed) {
            outcomes[index] = outcome.map { Appended(range: $0, replayed: false) }
            if case .success(let range) = outcome, let key = keys[index] { records.append((key, range)) }
        }
        return (outcomes, records)
    }
}
