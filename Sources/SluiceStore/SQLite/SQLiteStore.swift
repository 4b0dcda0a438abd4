import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import SluiceCore
import Synchronization

/// The embedded default store: one SQLite file in WAL mode.
///
/// One writer connection commits in groups (`SQLiteWriter`); a few reader connections serve the log
/// and lookups concurrently with it, as WAL allows. `synchronous=FULL`: a commit is on disk before
/// `append` returns, so an acknowledged event survives a crash or power loss.
/// One process owns a database file at a time.
public final class SQLiteStore: Store {
    let writer: SQLiteWriter
    let readers: SQLiteReaders
    let threadPool: NIOThreadPool
    let isClosed = Mutex(false)
    let leases = LocalLeases()
    let credentials: CredentialMirror
    let fileLock: DatabaseFileLock

    init(
        writer: SQLiteWriter, readers: [SQLiteConnection], credentials: CredentialMirror, threadPool: NIOThreadPool,
        fileLock: DatabaseFileLock
    ) {
        self.writer = writer
        self.readers = SQLiteReaders(readers)
        self.credentials = credentials
        self.threadPool = threadPool
        self.fileLock = fileLock
    }

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// - Parameter maxEventBytes: the largest event accepted, by its stored JSON (`StoreError.rejected`, `event_too_large`).
    public static func open(
        path: String, readers readerCount: Int = 2, maxEventBytes: Int = Event.defaultMaxStoredBytes, logger: Logger
    ) async throws -> SQLiteStore {
        // First: a database another process owns is not touched at all.
        let fileLock = try DatabaseFileLock(databasePath: path)
        // Own pool: a writer blocked in fsync must not starve readers or other users of the singleton.
        let pool = NIOThreadPool(numberOfThreads: readerCount + 1)
        pool.start()
        var opened: [SQLiteConnection] = []
        do {
            let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
            let db = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
            opened.append(db)
            try await configure(db)
            _ = try await db.query("PRAGMA journal_mode = WAL")
            try await SQLiteSchema.migrate(db)
            let last = try await db.query("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").first?.int64("seq") ?? 0
            let credentials = CredentialMirror(
                keys: try await db.query("SELECT * FROM api_keys").map { try $0.apiKey() },
                tokens: try await db.query("SELECT * FROM stream_tokens").map { (try $0.streamToken(), $0.text("used_by")) })
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
                opened.append(reader)
                try await configure(reader)
                readers.append(reader)
            }
            let writer = SQLiteWriter(connection: db, lastSequence: last, maxEventBytes: maxEventBytes, logger: logger)
            return SQLiteStore(writer: writer, readers: readers, credentials: credentials, threadPool: pool, fileLock: fileLock)
        } catch {
            // Nothing opened may outlive a failed open.
            for connection in opened { try? await connection.closeEvenIfCancelled() }
            try? await pool.shutdownGracefully()
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
    }

    static func configure(_ db: SQLiteConnection) async throws {
        // Replaces sqlite-nio's retry-forever busy handler with a bounded wait.
        _ = try await db.query("PRAGMA busy_timeout = 5000")
        _ = try await db.query("PRAGMA synchronous = FULL")
    }

    /// Runs `body` on a reader connection that no other caller uses meanwhile (see `SQLiteReaders`).
    func read<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try checkOpen()
        return try await readers.withReader(body)
    }

    /// Refuses a call once the store is closed, as the connections would.
    func checkOpen() throws {
        guard !isClosed.withLock({ $0 }) else { throw StoreError.closed }
    }

    /// One statement on a reader connection of its own.
    func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await read { try await $0.query(sql, binds) }
    }

    func selectIn(_ sql: String, leading: [SQLiteData] = [], ids: some Collection<Int64>) async throws -> [SQLiteRow] {
        try await read { try await $0.selectIn(sql, leading: leading, ids: ids) }
    }

    /// Runs `body` on the writer, in its turn and transaction, and returns what it returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        try await writer.write { db in
            let value = try await body(db)
            result.withLock { $0 = value }
        }
        return result.withLock { $0! }
    }

    /// One process owns the database: its clock is the only one.
    public let clock = StoreClock()

    /// One process owns the database: there are no other nodes to reach.
    public var clusterBus: (any ClusterBus)? { nil }

    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    public func close() async throws {
        guard
            isClosed.withLock({ wasClosed in
                defer { wasClosed = true }
                return !wasClosed
            })
        else { return }
        // Close everything even if one close fails, then report the first failure.
        var failure: (any Error)?
        do { try await writer.close() } catch { failure = failure ?? error }
        do { try await readers.close() } catch { failure = failure ?? error }
        do { try await threadPool.shutdownGracefully() } catch { failure = failure ?? error }
        fileLock.release()
        if let failure { throw failure }
    }
}
