import Foundation
import SluiceCore

/// The limits every node of a cluster must decide alike: connection places (leases), sliding
/// windows of attempts, and keys recorded once (OAuth nonces), on one clock.
public protocol SharedLimits: Sendable {
    /// The clock every expiry and window below is decided on: callers pass `clock.now()` as `now`.
    /// With a shared store it follows the database's clock, so that skewed nodes still agree.
    var clock: StoreClock { get }

    /// Takes `lease` if fewer than `limit` unexpired leases (at `lease`'s own start, `now`) are held
    /// in its scope. Atomic across nodes: of racing calls for the last place, exactly one wins.
    /// Refused (`StoreError.unavailable`) once `abandonAdmission` was called for the lease's id.
    func acquireLease(_ lease: Lease, limit: Int, now: Date) async throws -> Bool
    /// Admits a Private SSE stream: spends the token whose secret hashes to `tokenHash` and takes
    /// `lease` in its key's pool (at most `limit` places), in one transaction, or does neither. The
    /// token is recorded as spent by the lease, so that `abandonAdmission` can give it back. Atomic
    /// across nodes: of racing admissions with one token, exactly one is admitted.
    /// Refused (`StoreError.unavailable`) once `abandonAdmission` was called for the lease's id.
    func admitStream(tokenHash: String, lease: Lease, limit: Int, now: Date) async throws -> StreamAdmissionOutcome
    /// Undoes an admission whose client left before its stream opened, or whose outcome this node
    /// cannot know (the database did not answer in time; the work may still commit): the place is
    /// freed, the token (if the lease spent it) is unspent, and an admission under this lease id that
    /// has not committed yet never will. Idempotent.
    func abandonAdmission(leaseID: String, scope: String, tokenHash: String?, now: Date) async throws
    /// Gives the place back at once (a connection ended).
    func releaseLease(id: String) async throws
    /// The heartbeat: extends to `until` those of `ids` that `node` still holds unexpired at `now`,
    /// and returns them. The others were lost (expired and taken over, or never committed): the
    /// node must stop using them.
    func renewLeases(_ ids: Set<String>, node: String, until: Date, now: Date) async throws -> Set<String>
    /// The lease with this id, if it is held and unexpired at `now`.
    func lease(id: String, now: Date) async throws -> Lease?
    /// The nodes holding at least one unexpired lease at `now`: the nodes that may have streams open,
    /// whether or not they can be reached.
    func leaseHolders(now: Date) async throws -> Set<String>
    /// Counts an attempt in `scope`'s sliding window of `window` seconds, unless `limit` attempts are
    /// already in it: then nothing is counted and the seconds until a place frees are returned.
    func admit(scope: String, limit: Int, window: TimeInterval, at date: Date) async throws -> TimeInterval?

    /// Records `key` until `expiresAt`, unless it is recorded already and unexpired at `now`: true the
    /// first time only. Atomic across nodes (an OAuth nonce replayed to another node is caught).
    func recordOnce(_ key: String, until expiresAt: Date, now: Date) async throws -> Bool
    /// Removes what the limits no longer need at `date`: expired leases and records, attempts older
    /// than an hour. Returns how many entries went.
    func purgeExpired(before date: Date) async throws -> Int
}
