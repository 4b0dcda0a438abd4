import Foundation
import HTTPTypes
import Logging
import NIOCore
import SluiceCore
import SluiceStore

/// The asynchronous half of a Private SSE connection: checking the request (filters, token, limits)
/// before the stream opens, and the replay that joins a resuming client to the live flow.
///
/// `StreamChannelHandler` does the rest on the connection's event loop.
struct PrivateSSEStreams: StreamEndpoint {
    let store: any EventLog & Credentials & SharedLimits
    let hub: PrivateSSEHub
    let feed: PrivateSSEFeed
    let leases: NodeLeases
    let outboxBytes: Int
    let replayWindow: TimeInterval
    let heartbeatSeconds: Int
    let logger: Logger

    static let path = "/sse/private"
    static let parameters: Set<String> = FilterSpec.parameterNames.union(["token", "last_event_id", "event_names"])
    /// The reconnection delay suggested to clients (`retry:`), as in the document's example.
    static let retryMilliseconds = 5000

    /// A request that passed every check: its token is spent and a connection slot is held for its key.
    struct Admission: Sendable {
        var key: APIKey
        /// The lease holding one of the key's connection places, across every node.
        var leaseID: String
        var leaseScope: String
        /// The token's hash: an admission whose client leaves before the stream opens gives it back.
        var tokenHash: String
        var spec: FilterSpec
        var eventNames: Bool
        var lastEventID: Int64?
        var expiresAt: Date
    }

    func serves(_ path: Substring) -> Bool {
        path == Self.path || path == Self.path + "/"
    }

    /// Checks a stream request. On success the token is spent and one of the key's connection slots is
    /// held (released when the connection ends).
    func admit(_ request: StreamRequest) async -> Result<any StreamAdmission, APIError> {
        do {
            return .success(Admitted(streams: self, admission: try await checkedAdmission(request.head)))
        } catch let error as APIError {
            return .failure(error)
        } catch is CancellationError {
            // The client left while it was being admitted: nothing failed.
            return .failure(APIError.storeUnavailable("the connection closed"))
        } catch {
            logger.error("stream admission failed", metadata: ["error": "\(error)"])
            return .failure(APIError.storeUnavailable("\(error)"))
        }
    }

    private func checkedAdmission(_ request: HTTPRequest) async throws -> Admission {
        guard request.method == .get else {
            throw APIError(.methodNotAllowed, code: "method_not_allowed", message: "streams are opened with GET", allow: "GET")
        }
        let query = QueryString.parse(request.path ?? "")
        try APIError.refuseUnknown(parameters: query.keys, known: Self.parameters)
        // A value that cannot be decoded is refused, never read as the text it came as.
        if let name = QueryString.undecodable(QueryString.query(of: request.path ?? "")).first {
            throw APIError.badRequest(
                FilterSpec.parameterNames.contains(name) ? "invalid_filter" : "invalid_parameter",
                "\(name): not valid percent-encoding of UTF-8")
        }
        let spec: FilterSpec
        do {
            spec = try FilterSpec.parse(query)
        } catch {
            throw APIError.badRequest("invalid_filter", "\(error.parameter): \(error.message)")
        }
        var eventNames = true
        if let raw = query["event_names"] {
            guard let value = Bool(raw.lowercased()) else {
                throw APIError.badRequest("invalid_parameter", "event_names must be true or false")
            }
            eventNames = value
        }
        let lastEventID = try Self.lastEventID(request.headerFields[HTTPField.Name("Last-Event-ID")!] ?? query["last_event_id"])

        guard let secret = query["token"], !secret.isEmpty else {
            throw APIError(.unauthorized, code: "token_required", message: "a stream token is required: POST /sse/token, then ?token=…")
        }
        let hash = Secret.hash(secret)
        let now = store.clock.now()
        guard let token = try await store.streamToken(secretHash: hash), let key = try await store.apiKey(id: token.keyID) else {
            throw Self.tokenError(.unknown)
        }
        // The same rule the store applies under its lock, decided early: a spent token costs no transaction.
        let use = TokenUse.of(token, key: key, at: now)
        guard case .consumed = use else { throw Self.tokenError(use) }
        // The token is spent and the place taken in one transaction: a full pool leaves the token
        // unspent, and an admission that fails or is cancelled half-way is undone (NodeLeases).
        let leaseID = Secret.generate(prefix: "conn_", bytes: 12)
        let scope = "connections:\(key.id)"
        switch try await leases.admit(tokenHash: hash, id: leaseID, scope: scope, limit: key.limits.maxConnections) {
        case .admitted(let spent, let current):
            return Admission(
                key: current, leaseID: leaseID, leaseScope: scope, tokenHash: hash, spec: spec, eventNames: eventNames, lastEventID: lastEventID,
                expiresAt: spent.expiresAt)
        case .refused(let use):
            throw Self.tokenError(use)
        case .full:
            throw APIError(
                .tooManyRequests, code: "too_many_connections",
                message: "this key may hold \(key.limits.maxConnections) concurrent streams; close one first", retryAfterSeconds: 5)
        }
    }

    static func lastEventID(_ raw: String?) throws -> Int64? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = Int64(raw.trimmingCharacters(in: .whitespaces)), id >= 0 else {
            throw APIError.badRequest("invalid_parameter", "Last-Event-ID / last_event_id must be a sequence number")
        }
        return id
    }

    static func tokenError(_ use: TokenUse) -> APIError {
        switch use {
        case .alreadyUsed: APIError(.unauthorized, code: "token_used", message: "this stream token was already used; get a new one")
        case .expired: APIError(.unauthorized, code: "token_expired", message: "this stream token expired; get a new one")
        case .keyRevoked: APIError(.unauthorized, code: "key_revoked", message: "the API key of this token was revoked")
        case .unknown, .consumed: APIError(.unauthorized, code: "invalid_token", message: "unknown stream token")
        }
    }

    /// An admitted Private SSE request, ready to open.
    struct Admitted: StreamAdmission {
        let streams: PrivateSSEStreams
        let admission: Admission

        func open(wake: @escaping @Sendable () -> Void) -> OpenStream {
            let hub = streams.hub
            hub.counters.add(.opened)
            let leases = streams.leases
            let keyID = admission.key.id
            let leaseID = admission.leaseID
            // The token expires by the store's clock; the ticker that ends the stream runs on this node's.
            let expiresHere = Date().addingTimeInterval(admission.expiresAt.timeIntervalSince(streams.store.clock.now()))
            let subscription = PrivateSSESubscription(
                id: hub.makeSubscriptionID(), keyID: keyID, spec: admission.spec, eventNames: admission.eventNames,
                limits: admission.key.limits, expiresAt: expiresHere.timeIntervalSince1970, outboxLimit: streams.outboxBytes,
                now: Date().timeIntervalSince1970, connectionID: leaseID, counters: hub.counters, wake: wake)
            var head = HTTPResponse.stream(contentType: "text/event-stream; charset=utf-8")
            // Browser apps on any origin may open streams: the token is in the URL and no cookie is involved.
            head.headerFields[.accessControlAllowOrigin] = "*"
            subscription.push(SSEEncoder.retry(milliseconds: PrivateSSEStreams.retryMilliseconds))
            subscription.push(streams.connected(admission, subscription: subscription))
            let streams = self.streams
            let lastEventID = admission.lastEventID
            // A stream that does not resume joins the live flow here; one that resumes replays first, in a
            // task. Neither if its place was lost (fenced) since admission.
            var replay: (@Sendable () async -> Void)?
            if !leases.attach(id: leaseID, onLost: { subscription.close(.leaseLost) }) {
                subscription.close(.leaseLost)
            } else if let lastEventID {
                hub.track(subscription)
                replay = { await streams.replayAndJoin(subscription, after: lastEventID) }
            } else {
                hub.registerLive(subscription)
            }
            return OpenStream(
                head: head, outbox: subscription.outbox,
                quiesce: { subscription.close(.shutdown) },
                finish: {
                    hub.remove(subscription)
                    leases.release(id: leaseID)
                },
                run: replay)
        }

        func abandon() {
            streams.leases.abandon(id: admission.leaseID, scope: admission.leaseScope, tokenHash: admission.tokenHash)
        }
    }

    /// The `status` event that opens a stream.
    func connected(_ admission: Admission, subscription: PrivateSSESubscription) -> ByteBuffer {
        let limits = admission.key.limits
        return PrivateSSEStatus.frame(
            [
                "status": .string("connected"),
                "connection_id": .string(subscription.connectionID),
                "filters": .object(admission.spec.summary),
                "limits": .object([
                    "max_connections": .int(Int64(limits.maxConnections)),
                    "events_per_second": .int(Int64(limits.eventsPerSecond)),
                    "idle_timeout_seconds": .int(Int64(limits.idleTimeoutSeconds)),
                    "heartbeat_seconds": .int(Int64(heartbeatSeconds)),
                    "buffer_bytes": .int(Int64(outboxBytes)),
                ]),
                "expires_at": .string(Timestamp.format(admission.expiresAt)),
            ], named: admission.eventNames)
    }

    /// Queues a replayed frame, first waiting while the outbox is half full: a replay goes at the pace of
    /// its client, and never fills the outbox (which would close the stream as a slow reader).
    private func push(_ frame: ByteBuffer, to subscription: PrivateSSESubscription) async {
        if subscription.outbox.queuedBytes + frame.readableBytes > subscription.outbox.limit / 2 {
            await subscription.outbox.waitForRoom()
        }
        subscription.push(frame)
    }

    /// Waits for the hub to dispatch up to `sequence` (the follower catching up with the log), checking
    /// every few milliseconds; false at the deadline or when the task is cancelled (the client left).
    private func hubReaches(_ sequence: Int64, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while hub.position < sequence {
            guard ContinuousClock.now < deadline, (try? await Task.sleep(for: .milliseconds(10))) != nil else { return false }
        }
        return true
    }

    /// Replays what a resuming client missed, matching its filters, then joins it to the live flow at
    /// exactly the next event: `PrivateSSEHub.register(_:at:)` only succeeds when the replay has reached the
    /// hub's position, so nothing is missed or sent twice at the seam.
    func replayAndJoin(_ subscription: PrivateSSESubscription, after lastEventID: Int64?) async {
        // Read first: a rewind of the log after this point refuses the join (`PrivateSSEHub.register`).
        let rewinds = hub.rewinds
        var cursor = hub.position
        do {
            if let lastEventID {
                // Ahead of this node is not ahead of the log: the client may come from a node whose
                // follower is further on. Then this one catches up first, or the client would get again
                // what it already has.
                let head = lastEventID > cursor ? try await store.lastSequence() : cursor
                if lastEventID > head {
                    subscription.push(
                        PrivateSSEStatus.frame(
                            [
                                "status": .string("resume_ignored"),
                                "message": .string("Last-Event-ID \(lastEventID) is ahead of the log (\(head)); streaming live"),
                            ],
                            named: subscription.eventNames))
                } else if lastEventID > cursor {
                    guard await hubReaches(lastEventID, within: .seconds(10)), hub.rewinds == rewinds else {
                        logger.warning(
                            "this node's follower did not reach a resuming client's Last-Event-ID in time",
                            metadata: ["last_event_id": "\(lastEventID)"])
                        subscription.close(hub.rewinds == rewinds ? .behindTheLog : .logRewound)
                        return
                    }
                    cursor = lastEventID
                } else if let first = try await store.events(after: lastEventID, limit: 1).first,
                    first.acceptedAt < Date().addingTimeInterval(-replayWindow)
                {
                    subscription.push(
                        PrivateSSEStatus.frame(
                            [
                                "status": .string("replay_unavailable"),
                                "message": .string(
                                    "events after \(lastEventID) are older than the replay window (\(Int(replayWindow)) s); streaming live"),
                            ],
                            named: subscription.eventNames))
                } else {
                    cursor = lastEventID
                }
            }
            while let ahead = hub.register(subscription, at: cursor, rewinds: rewinds) {
                // Behind the replay: the log moved backwards under it.
                guard ahead > cursor else {
                    subscription.close(.logRewound)
                    return
                }
                while cursor < ahead {
                    // A replay delivers too: not from a node that may have lost the stream's place.
                    leases.fenceIfStale()
                    guard !subscription.outbox.isClosed, !Task.isCancelled else { return }
                    // Recent events come from the hub's memory, older ones from the log; either way the feed
                    // decides on what is true now, as live delivery would.
                    let candidates: [PrivateSSEMessage]
                    let last: Int64
                    if let recent = hub.recentMessages(after: cursor, limit: Int(min(1000, ahead - cursor))), let end = recent.last {
                        candidates = recent.compactMap(\.message)
                        last = end.sequence
                    } else {
                        let page = try await store.events(after: cursor, limit: Int(min(500, ahead - cursor)))
                        guard let end = page.last else {
                            // Dispatched, yet no longer in the log: it moved backwards.
                            subscription.close(.logRewound)
                            return
                        }
                        candidates = try page.compactMap { try PrivateSSEMessage($0.decoded(), sequence: $0.sequence, findingTerms: false) }
                        last = end.sequence
                    }
                    for message in try await feed.deliverable(candidates.filter { $0.isWanted(by: subscription.spec) }) {
                        await push(message.frame(named: subscription.eventNames), to: subscription)
                    }
                    cursor = last
                }
            }
            // The client may have left while the replay ran: its connection then already removed the
            // subscription from the hub (finish), before this registered it again. The outbox is closed
            // before that removal, so checking it after registering leaves no window.
            if subscription.outbox.isClosed || Task.isCancelled { hub.remove(subscription) }
        } catch is CancellationError {
            // The client left during the replay: nothing failed.
            hub.remove(subscription)
        } catch {
            logger.error("replay failed", metadata: ["error": "\(error)"])
            subscription.close(.shutdown)
        }
    }
}
