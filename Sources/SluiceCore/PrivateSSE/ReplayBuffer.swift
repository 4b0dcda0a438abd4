/// The most recent Private SSE messages, kept after their live dispatch so that a client resuming
/// within them is served from memory: no log read, no decoding, no encoding. A profile of replay from
/// the log showed JSON decoding and re-encoding taking 70% of its time.
///
/// Covers a contiguous range of sequence numbers (events with no Private SSE form are recorded as
/// gaps) and drops the oldest messages beyond `budget` bytes, an estimate of what the messages keep
/// alive. Messages are kept without their search terms, which a filtered replay recomputes. Messages
/// are kept whether or not they were public when dispatched: the replay decides on the state at the
/// time it replays (`PrivateSSEMessage.isPublic(in:)`), exactly as a live delivery would then.
public struct ReplayBuffer: Sendable {
    public struct Entry: Sendable {
        public var sequence: Int64
        /// Nil when the event has no Private SSE form (another kind).
        public var message: PrivateSSEMessage?
    }

    /// The most bytes kept, estimated; 0 keeps nothing.
    public let budget: Int
    private var entries: [Entry] = []
    /// Index of the oldest entry in `entries` (a ring once it has grown to its working size).
    private var head = 0
    private var sizes: [Int] = []
    private var bytes = 0

    public init(budget: Int) {
        self.budget = budget
    }

    public var count: Int { entries.count - head }
    public var estimatedBytes: Int { bytes }

    /// The sequence number of the oldest message kept, if any.
    public var firstSequence: Int64? { count > 0 ? entries[head].sequence : nil }

    /// Records the event `sequence`, which must follow the last one recorded.
    public mutating func append(sequence: Int64, message: PrivateSSEMessage?) {
        guard budget > 0 else { return }
        if let last = entries.last, last.sequence + 1 != sequence {
            // A break in the sequence (cannot happen with the hub's ordered dispatch): start over.
            removeAll()
        }
        var kept = message
        kept?.terms = nil
        let size = Self.estimatedSize(of: kept)
        entries.append(Entry(sequence: sequence, message: kept))
        sizes.append(size)
        bytes += size
        while bytes > budget, count > 0 {
            bytes -= sizes[head]
            entries[head].message = nil
            head += 1
        }
        // Compact once the dropped prefix is as large as what is kept: amortized O(1) per append.
        if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            sizes.removeFirst(head)
            head = 0
        }
    }

    /// Up to `limit` entries after `sequence`, or nil if the buffer does not hold the one right after it.
    public func entries(after sequence: Int64, limit: Int) -> ArraySlice<Entry>? {
        guard let first = firstSequence, sequence + 1 >= first, let last = entries.last, sequence < last.sequence else { return nil }
        let start = head + Int(sequence + 1 - first)
        return entries[start..<min(entries.count, start + limit)]
    }

    public mutating func removeAll() {
        entries.removeAll()
        sizes.removeAll()
        head = 0
        bytes = 0
    }

    /// What a kept message holds on to: its JSON, and the decoded tweet or user about as much again.
    static func estimatedSize(of message: PrivateSSEMessage?) -> Int {
        guard let message else { return 32 }
        return 2 * message.json.utf8.count + 256
    }
}
