import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock that makes one process the owner of an SQLite database: an exclusive `flock` on a file
/// beside it (`<path>.lock`), held while the store is open.
///
/// SQLite itself lets several processes write one file, but each `sluice` process keeps the log's next
/// sequence number and its followers' positions in memory: a second server on the same file would
/// hand out sequence numbers the first already gave, and its streams would never see the first's
/// events. The kernel releases the lock when the process ends, however it ends, so a crash never
/// leaves the database locked.
final class DatabaseFileLock: Sendable {
    /// The lock file's descriptor while the lock is held.
    private let descriptor: Mutex<Int32?>

    /// Takes the lock, or throws `StoreError.unavailable` at once if another process holds it.
    init(databasePath path: String) throws {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another sluice process has it open" : String(cString: strerror(errno))
            close(descriptor)
            throw StoreError.unavailable("the SQLite database at \(path) is in use: \(reason) (one process owns a database file at a time)")
        }
        self.descriptor = Mutex(descriptor)
    }

    /// Lets the lock go (the store closed); safe to call more than once.
    func release() {
        descriptor.withLock { held in
            if let fd = held { close(fd) }
            held = nil
        }
    }

    deinit {
        release()
    }
}
