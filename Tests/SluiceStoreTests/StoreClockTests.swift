import Foundation
import Testing

@testable import SluiceStore

/// The store's clock runs from its last reading of the database's clock on the monotonic clock, so
/// the node's own wall clock (wrong, or stepped) does not matter once a reading is taken.
struct StoreClockTests {
    @Test func aReadingReplacesTheNodesWallClock() {
        let clock = StoreClock(skew: -7200)
        #expect(clock.now().timeIntervalSinceNow < -7100, "before any reading: the node's own (skewed) clock")
        let reference = Date(timeIntervalSince1970: 1_000_000)
        let received = ContinuousClock.now
        #expect(clock.synchronize(reference: reference, sent: received - .milliseconds(10), received: received))
        // The reading is taken half-way through its round trip, and runs on from there.
        let elapsed = clock.now().timeIntervalSince(reference)
        #expect(elapsed >= 0.005 && elapsed < 5, "\(elapsed)")
    }

    @Test func aReadingWithALongRoundTripIsNotTrusted() {
        let clock = StoreClock()
        let sent = ContinuousClock.now
        #expect(clock.synchronize(reference: Date(timeIntervalSince1970: 1_000_000), sent: sent, received: sent))
        #expect(!clock.synchronize(reference: Date(timeIntervalSince1970: 5_000_000), sent: sent, received: sent + .seconds(2)))
        #expect(clock.now() < Date(timeIntervalSince1970: 2_000_000), "the slow reading was not taken")
    }
}
