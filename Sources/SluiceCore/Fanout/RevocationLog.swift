import Foundation

/// The grant revocations a Site Streams hub has seen recently, numbered, so that attaching users whose
/// grants were read from the store a moment earlier can skip those revoked in between.
///
/// Without it, a revocation landing after an admission read the grants but before it attached the users
/// would find nothing to remove, and the user would be streamed until the connection ends. Entries older
/// than `retention` are dropped; a mark older than that (an admission that took minutes) counts every
/// user as revoked, which refuses rather than risks.
public struct RevocationLog: Sendable {
    /// A point in the log, taken before grants are read.
    public struct Mark: Sendable, Hashable {
        var serial: UInt64
        var time: Date
    }

    struct AppUser: Hashable {
        var app: String
        var user: Int64
    }

    public let retention: TimeInterval
    private var serial: UInt64 = 0
    private var latest: [AppUser: (serial: UInt64, time: Date)] = [:]
    private var oldestKept = Date.distantPast

    public init(retention: TimeInterval = 300) {
        self.retention = retention
    }

    public func mark(at now: Date = Date()) -> Mark {
        Mark(serial: serial, time: now)
    }

    public mutating func record(app: String, user: Int64, at now: Date = Date()) {
        serial += 1
        latest[AppUser(app: app, user: user)] = (serial, now)
        // Prune now and then: at most once per retention period's tenth.
        if now.timeIntervalSince(oldestKept) > retention * 1.1 {
            let horizon = now.addingTimeInterval(-retention)
            latest = latest.filter { $0.value.time >= horizon }
            oldestKept = horizon
        }
    }

    /// Whether `user`'s grant of `app` was revoked after `mark` (or the mark is too old to tell).
    public func revoked(app: String, user: Int64, since mark: Mark, now: Date = Date()) -> Bool {
        if now.timeIntervalSince(mark.time) > retention { return true }
        guard let entry = latest[AppUser(app: app, user: user)] else { return false }
        return entry.serial > mark.serial
    }
}
