import Logging
import SluiceCore
import SluiceStore
import SluiceTestSupport
import Testing

/// One process owns an SQLite database at a time (README, "The command line"): a second store on the
/// same file is refused before it touches it, and the file is free again once the owner closes.
@Suite struct SQLiteOwnershipTests {
    @Test func aSecondStoreOnTheSameFileIsRefusedUntilTheFirstCloses() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let logger = Logger(label: "sqlite-ownership")
        let owner = try await SQLiteStore.open(path: path, logger: logger)
        _ = try await owner.append([.userUpdate(Fixtures.user(1))])
        do {
            let second = try await SQLiteStore.open(path: path, logger: logger)
            try? await second.close()
            Issue.record("a second store opened a database another store owns")
        } catch let error as StoreError {
            guard case .unavailable(let message) = error else { throw error }
            #expect(message.contains("in use"), "\(message)")
        }
        #expect(try await owner.lastSequence() == 1, "the owner is unaffected")
        try await owner.close()

        let next = try await SQLiteStore.open(path: path, logger: logger)
        #expect(try await next.lastSequence() == 1)
        try await next.close()
    }
}
