import Foundation
import SluiceCore
import Synchronization

/// The credentials of a single-node store (API keys and stream tokens), held in memory in front of
/// their tables.
///
/// One process owns an SQLite database (`DatabaseFileLock`), so the rows this process last wrote are
/// what the tables hold: a lookup needs no statement, and the rules that must hold exactly (a token
/// is spent once, a key buys at most its limit of tokens per sliding hour) are decided here, under
/// one lock, at memory speed. A decision is *reserved* here first and then made durable by the
/// caller, which answers its client only once the row is written and calls the matching `undo…`
/// if the write fails. A racing caller sees the reservation at once, so the rules hold while the
/// write is in flight; a crash before the write commits loses only a decision nobody was told of.
///
/// A profile of `sluice bench connect` showed the connect path spending most of its time in the
/// thread-pool hops of about fourteen statements; with this mirror a connect writes two rows.
final class CredentialMirror: Sendable {
    private struct State {
        var keys: [String: APIKey] = [:]
        var keyIDsByHash: [String: String] = [:]
        var tokens: [TokenDigest: HeldToken] = [:]
        /// By key: the creation times of its tokens, oldest first (the issue window reads the tail).
        var issued: [String: [Date]] = [:]

        mutating func add(_ key: APIKey) {
            keys[key.id] = key
            keyIDsByHash[key.secretHash] = key.id
        }
    }

    /// A token as held here, compactly: every stream opened leaves one for an hour (the issue
    /// window), and `sluice bench idle` counted a full `StreamToken` with its hex hash as 500 bytes
    /// more per stream.
    private struct HeldToken {
        /// The key's own id string, shared, not copied.
        var keyID: String
        var createdAt: Int64
        var expiresAt: Int64
        var usedAt: Int64?
        /// The lease that spent the token (the `used_by` column), for `abandonAdmission`.
        var spender: String?

        init(_ token: StreamToken, keyID: String, spender: String?) {
            self.keyID = keyID
            createdAt = Int64(token.createdAt.millisecondsSince1970)
            expiresAt = Int64(token.expiresAt.millisecondsSince1970)
            usedAt = token.usedAt.map { Int64($0.millisecondsSince1970) }
            self.spender = spender
        }

        /// The token as the table would give it back (times to the millisecond).
        func token(secretHash: String) -> StreamToken {
            func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
            return StreamToken(
                secretHash: secretHash, keyID: keyID, createdAt: date(createdAt), expiresAt: date(expiresAt), usedAt: usedAt.map(date))
        }
    }

    private let state = Mutex(State())

    /// Loads every key and token row, as read from the tables at start-up.
    init(keys: [APIKey], tokens: [(token: StreamToken, usedBy: String?)]) {
        state.withLock { state in
            for key in keys { state.add(key) }
            for (token, usedBy) in tokens.sorted(by: { $0.token.createdAt < $1.token.createdAt }) {
                state.tokens[TokenDigest(hex: token.secretHash)] = HeldToken(
                    token, keyID: state.keys[token.keyID]?.id ?? token.keyID, spender: usedBy)
                state.issued[token.keyID, default: []].append(token.createdAt)
            }
        }
    }

    // MARK: Keys

    func key(id: String) -> APIKey? { state.withLock { $0.keys[id] } }

    func key(secretHash: String) -> APIKey? {
        state.withLock { state in state.keyIDsByHash[secretHash].flatMap { state.keys[$0] } }
    }

    /// Every key, oldest first (ties by id), as the admin listing shows them.
    func keys() -> [APIKey] {
        state.withLock { state in
            state.keys.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    /// Records a key once its row is written.
    func add(_ key: APIKey) { state.withLock { $0.add(key) } }

    /// Marks the key revoked at `date` unless it already is (the first revocation stands); returns
    /// the key as it stands, and whether this call revoked it.
    func revoke(id: String, at date: Date) -> (key: APIKey?, changed: Bool) {
        state.withLock { state in
            guard var key = state.keys[id] else { return (nil, false) }
            guard key.revokedAt == nil else { return (key, false) }
            key.revokedAt = date
            state.keys[id] = key
            return (key, true)
        }
    }

    /// Undoes `revoke` whose write failed.
    func unrevoke(id: String) { state.withLock { $0.keys[id]?.revokedAt = nil } }

    // MARK: Tokens

    func token(secretHash: String) -> StreamToken? {
        state.withLock { $0.tokens[TokenDigest(hex: secretHash)] }?.token(secretHash: secretHash)
    }

    /// Reserves `token` unless its key already has `limit` tokens created within the issue window
    /// before it (the same sliding window the PostgreSQL store counts with a query).
    func issue(_ token: StreamToken, limit: Int) -> TokenIssue {
        let digest = TokenDigest(hex: token.secretHash)
        return state.withLock { state in
            let since = token.createdAt.addingTimeInterval(-StreamToken.issueWindow)
            var times = state.issued[token.keyID, default: []]
            // Times before the window can never count again (clocks only move forward here).
            if let firstInWindow = times.firstIndex(where: { $0 > since }) {
                times.removeFirst(firstInWindow)
            } else {
                times.removeAll()
            }
            defer { state.issued[token.keyID] = times.isEmpty ? nil : times }
            if times.count >= limit {
                // A place frees when the oldest of the last `limit` tokens leaves the window.
                let oldest = times[times.count - limit]
                return .rateLimited(retryAfter: max(1, oldest.addingTimeInterval(StreamToken.issueWindow).timeIntervalSince(token.createdAt)))
            }
            // Kept in order even if a caller's clock reading is older than the last one.
            let position = times.lastIndex(where: { $0 <= token.createdAt }).map { $0 + 1 } ?? 0
            times.insert(token.createdAt, at: position)
            state.tokens[digest] = HeldToken(token, keyID: state.keys[token.keyID]?.id ?? token.keyID, spender: nil)
            return .issued
        }
    }

    /// Undoes `issue` whose write failed.
    func unissue(_ token: StreamToken) {
        let digest = TokenDigest(hex: token.secretHash)
        state.withLock { state in
            guard state.tokens.removeValue(forKey: digest) != nil else { return }
            if let index = state.issued[token.keyID]?.lastIndex(of: token.createdAt) {
                state.issued[token.keyID]?.remove(at: index)
            }
        }
    }

    /// Spends the token for `leaseID` if `TokenUse.of` allows it and `takePlace` (called under the
    /// lock, so nothing spends the token meanwhile) takes the connection place.
    func spend(secretHash: String, by leaseID: String, at date: Date, takePlace: () throws -> Bool) throws -> StreamAdmissionOutcome {
        let digest = TokenDigest(hex: secretHash)
        return try state.withLock { state in
            guard let held = state.tokens[digest] else { return .refused(.unknown) }
            let use = TokenUse.of(held.token(secretHash: secretHash), key: state.keys[held.keyID], at: date)
            guard case .consumed(let spent, let key) = use else { return .refused(use) }
            guard try takePlace() else { return .full }
            state.tokens[digest]?.usedAt = Int64(date.millisecondsSince1970)
            state.tokens[digest]?.spender = leaseID
            return .admitted(spent, key)
        }
    }

    /// Gives the token back if `leaseID` spent it (an abandoned admission, or a spend whose write
    /// failed); returns whether it did.
    @discardableResult
    func unspend(secretHash: String, by leaseID: String) -> Bool {
        let digest = TokenDigest(hex: secretHash)
        return state.withLock { state in
            guard state.tokens[digest]?.spender == leaseID else { return false }
            state.tokens[digest]?.spender = nil
            state.tokens[digest]?.usedAt = nil
            return true
        }
    }

    /// Forgets the tokens the store's purge deletes: spent or expired before `date`, and created
    /// before `cutoff` (out of the issue window).
    func purgeTokens(before date: Date, createdBefore cutoff: Date) -> Int {
        let now = Int64(date.millisecondsSince1970)
        let created = Int64(cutoff.millisecondsSince1970)
        return state.withLock { state in
            let count = state.tokens.count
            state.tokens = state.tokens.filter { !(($0.value.usedAt != nil || $0.value.expiresAt < now) && $0.value.createdAt < created) }
            return count - state.tokens.count
        }
    }
}

/// A token's secret hash as a lookup key: the 32 bytes a SHA-256 hex form spells, held inline (no
/// allocation), or, for any other text a caller uses as a hash, the text itself.
enum TokenDigest: Hashable {
    case sha256(UInt64, UInt64, UInt64, UInt64)
    case text(String)

    init(hex: String) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var digits = 0
        for byte in hex.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default:
                self = .text(hex)
                return
            }
            switch digits / 16 {
            case 0: words.0 = words.0 << 4 | UInt64(value)
            case 1: words.1 = words.1 << 4 | UInt64(value)
            case 2: words.2 = words.2 << 4 | UInt64(value)
            case 3: words.3 = words.3 << 4 | UInt64(value)
            default: break
            }
            digits += 1
        }
        self = digits == 64 ? .sha256(words.0, words.1, words.2, words.3) : .text(hex)
    }
}
