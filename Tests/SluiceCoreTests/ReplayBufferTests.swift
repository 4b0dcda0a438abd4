import Foundation
import SluiceCore
import Testing

/// Recent messages kept for replay from memory: a contiguous range, bounded by its budget, and never an
/// answer for what it does not hold (the replay then reads the log).
@Suite struct ReplayBufferTests {
    static let author = User(id: 1, username: "a")

    static func message(_ sequence: Int64, _ text: String = "hello") throws -> PrivateSSEMessage? {
        try PrivateSSEMessage(.tweet(Tweet(id: sequence, text: text, createdAt: Date(), user: author)), sequence: sequence)
    }

    @Test func itAnswersOnlyForTheRangeItHolds() throws {
        var buffer = ReplayBuffer(budget: 1 << 20)
        for sequence in Int64(11)...20 { buffer.append(sequence: sequence, message: sequence % 3 == 0 ? nil : try Self.message(sequence)) }
        #expect(buffer.firstSequence == 11)
        #expect(buffer.entries(after: 9, limit: 5) == nil, "11 is there but 10 is not: the log must serve it")
        #expect(buffer.entries(after: 10, limit: 3).map { $0.map(\.sequence) } == [11, 12, 13])
        #expect(buffer.entries(after: 17, limit: 100).map { $0.map(\.sequence) } == [18, 19, 20])
        #expect(buffer.entries(after: 20, limit: 5) == nil, "nothing after the last")
        #expect(buffer.entries(after: 11, limit: 1)?.first?.message == nil, "12 has no Private SSE form: a gap, kept as one")
        #expect(buffer.entries(after: 12, limit: 1)?.first?.message?.terms == nil, "kept without terms")
    }

    @Test func theOldestGoFirstOnceTheBudgetIsReached() throws {
        // Ids of four digits from 1000 on: every message has the same size.
        let size = 2 * (try Self.message(4991)!.json.utf8.count) + 256
        var buffer = ReplayBuffer(budget: size * 10)
        for sequence in Int64(1000)...5000 { buffer.append(sequence: sequence, message: try Self.message(sequence)) }
        #expect(buffer.count == 10)
        #expect(buffer.firstSequence == 4991)
        #expect(buffer.estimatedBytes <= size * 10)
        #expect(buffer.entries(after: 4990, limit: 100)?.count == 10)
        #expect(ReplayBuffer(budget: 0).count == 0)
        var none = ReplayBuffer(budget: 0)
        none.append(sequence: 1, message: try Self.message(1))
        #expect(none.entries(after: 0, limit: 1) == nil, "a budget of 0 keeps nothing")
    }

    @Test func aBreakInTheSequenceStartsOver() throws {
        var buffer = ReplayBuffer(budget: 1 << 20)
        buffer.append(sequence: 1, message: try Self.message(1))
        buffer.append(sequence: 5, message: try Self.message(5))
        #expect(buffer.firstSequence == 5)
        #expect(buffer.entries(after: 0, limit: 10) == nil)
    }

    @Test func aKeptMessageStillMatchesKeywordFilters() throws {
        var buffer = ReplayBuffer(budget: 1 << 20)
        buffer.append(sequence: 1, message: try Self.message(1, "Swift #news today"))
        let kept = try #require(buffer.entries(after: 0, limit: 1)?.first?.message)
        #expect(kept.isWanted(by: try FilterSpec.parse(["keywords": "news"])))
        #expect(!kept.isWanted(by: try FilterSpec.parse(["keywords": "sports"])))
        #expect(kept.isWanted(by: FilterSpec()))
    }
}
