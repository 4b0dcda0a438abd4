import Foundation
import Logging
import NIOCore
import SluiceCore
import SluiceSimulation
import SluiceStore
import SluiceTestSupport
import Testing

@testable import SluiceServer

/// The model-based (stateful) visibility test: random operation sequences against the real event core
/// (SQLite store, log follower, both hubs, Private SSE replay), restarts included, with a tiny tweet
/// memory so that tweets are forgotten and looked up again. A deliberately plain oracle, written from
/// the documented rules over the full history, says what every stream may and must receive; every
/// message is compared exactly, so a leak and a miss both fail.
///
/// Operations: `user_update` (protection toggled both ways, or left out), tweets whose embedded `user`
/// is partial or contradicts the account, by known and by never-seen accounts; replies, retweets and
/// quotes of public, protected, deleted and forgotten tweets; deletes; follows, unfollows, blocks,
/// unblocks; likes; direct messages; grants and revocations; Private SSE streams opened live or with a
/// random `last_event_id` (replayed from memory or from the log); Site Streams with both `with` values
/// and `replies=all`; restarts, after which every stream resumes.
@Suite struct VisibilityModelTests {
    // MARK: - The oracle

    /// What the documented rules need, kept from the full history in plain collections.
    struct Oracle {
        struct TweetFacts {
            var author: Int64
            var deleted = false
            var replyTo: Int64?
            var replyUser: Int64?
            var retweetOf: Int64?
            var quoteOf: Int64?
            /// Posted while its author was public: a tweet of a protected period never reaches Private SSE.
            var publicWhenPosted = false
        }

        var protected: [Int64: Bool] = [:]
        var usernames: [Int64: String] = [:]
        /// Whether each `user_update` set a public profile (by sequence number).
        var profilePublic: [Int64: Bool] = [:]
        var graph = PlainGraph()
        var follows: Set<[Int64]> { graph.follows }
        var tweets: [Int64: TweetFacts] = [:]
        /// Everything accepted, by sequence number: what a replay may draw from.
        var history: [Int64: Event] = [:]
        /// Who received each tweet on Site Streams: they may also receive its deletion.
        var sawTweet: [Int64: Set<Int64>] = [:]
        var grants: Set<Int64> = []

        func F(_ a: Int64, _ b: Int64) -> Bool { graph.follows(a, b) }
        func B(_ a: Int64, _ b: Int64) -> Bool { graph.eitherBlocks(a, b) }
        /// `u` may see what `author` posts (README: own, public, or approved follower), no block either way.
        func sees(_ u: Int64, _ author: Int64) -> Bool { (u == author || protected[author] == false || F(u, author)) && !B(u, author) }
        func live(_ id: Int64?) -> TweetFacts? { id.flatMap { tweets[$0] }.flatMap { $0.deleted ? nil : $0 } }
        /// A tweet `u` may see: live, its author visible to `u` (for a tweet of a protected period: `u` is
        /// the author or follows them now), and, for a retweet, the retweeted tweet too.
        func seesTweet(_ u: Int64, _ id: Int64?) -> Bool {
            guard let t = live(id) else { return false }
            let seen = t.publicWhenPosted ? sees(u, t.author) : (u == t.author || F(u, t.author)) && !B(u, t.author)
            guard seen else { return false }
            return t.retweetOf.map { seesTweet(u, $0) } ?? true
        }
        /// A public tweet: live, posted while its author was public, its author public now, and, for a
        /// retweet, the retweeted tweet public too.
        func isPublicTweet(_ id: Int64) -> Bool {
            guard let t = live(id), t.publicWhenPosted, protected[t.author] == false else { return false }
            return t.retweetOf.map(isPublicTweet) ?? true
        }

        /// Private SSE: public now. A tweet: public, and every tweet it refers to public. A profile: the
        /// account public now, and the profile set while it was public.
        func isPublicNow(_ event: Event, sequence: Int64) -> Bool {
            switch event {
            case .tweet(let t):
                guard isPublicTweet(t.id), tweets[t.id]?.publicWhenPosted == true else { return false }
                return [t.inReplyToStatusID, t.retweetedStatusID, t.quotedStatusID].compactMap { $0 }.allSatisfy(isPublicTweet)
            case .userUpdate(let u): return protected[u.id] == false && profilePublic[sequence] == true
            default: return false
            }
        }

        func wants(_ event: Event, users filter: Set<Int64>?) -> Bool {
            switch event {
            case .tweet(let t): return filter.map { $0.contains(t.user.id) } ?? true
            case .userUpdate(let u): return filter?.contains(u.id) ?? false
            default: return false
            }
        }

        /// Site Streams: the message `u` must receive for `event` (state before the event), as a descriptor.
        func siteMessage(_ u: Int64, _ event: Event, followings: Bool, repliesAll: Bool) -> String? {
            switch event {
            case .tweet(let t):
                let a = t.user.id
                guard sees(u, a) else { return nil }
                if let rt = t.retweetedStatusID, !seesTweet(u, rt) { return nil }
                let quoted = seesTweet(u, t.quotedStatusID) ? t.quotedStatusID : nil
                let description = "tweet \(t.id) rt=\(t.retweetedStatusID.map(String.init) ?? "-") q=\(quoted.map(String.init) ?? "-")"
                var personal: Set<Int64> = [a]
                if let r = live(t.retweetedStatusID) { personal.insert(r.author) }
                if let q = live(t.quotedStatusID) { personal.insert(q.author) }
                if let r = t.inReplyToUserID { personal.insert(r) }
                personal.formUnion(mentioned(t).must)
                if personal.contains(u) { return description }
                let replyOK = t.inReplyToUserID.map { $0 == a || F(u, $0) || repliesAll } ?? true
                return followings && F(u, a) && replyOK ? description : nil
            case .delete(let d): return u == d.userID ? "delete \(d.id)" : nil
            case .follow(let r): return u == r.sourceID || u == r.targetID ? "event follow" : nil
            case .unfollow(let r), .block(let r), .unblock(let r): return u == r.sourceID ? "event \(event.kind.rawValue)" : nil
            case .favorite(let f), .unfavorite(let f):
                guard let author = tweets[f.tweetID]?.author, !B(f.sourceID, author) else { return nil }
                guard u == author || (u == f.sourceID && (u == author || protected[author] == false || F(u, author))) else { return nil }
                let full = seesTweet(u, f.tweetID)
                return "event \(event.kind.rawValue) \(full ? "full" : "bare")"
            case .userUpdate(let user): return u == user.id ? "event user_update" : nil
            case .directMessage(let m): return u == m.senderID || u == m.recipientID ? "dm \(m.id)" : nil
            }
        }

        /// Whether `u` may (but need not) receive `event`, when `siteMessage` says it need not: a
        /// deletion reaches those who saw the tweet (embedded in another, too) as far as the server still
        /// remembers them; a mention of a username several accounts hold at once reaches one of them.
        func mayReceive(_ u: Int64, _ event: Event) -> Bool {
            switch event {
            case .delete(let d): return sawTweet[d.id]?.contains(u) ?? false
            case .tweet(let t):
                guard mentioned(t).may.contains(u), sees(u, t.user.id) else { return false }
                return t.retweetedStatusID.map { seesTweet(u, $0) } ?? true
            default: return false
            }
        }

        /// The accounts a tweet's mentions name: a username one account holds names it; one that several
        /// hold (the platform renamed one and not yet the other) may name any of them.
        func mentioned(_ t: Tweet) -> (must: Set<Int64>, may: Set<Int64>) {
            var must = Set<Int64>()
            var may = Set<Int64>()
            // From the text, by the README's rule: the tweets here come without `entities`.
            for name in DocumentedText(t.text).mentions {
                let holders = usernames.filter { $0.value.lowercased() == name }.keys
                if holders.count == 1 { must.formUnion(holders) } else { may.formUnion(holders) }
            }
            return (must, may.subtracting(must))
        }

        /// Records who received a tweet, directly or embedded (`message` nil: may have received it, with
        /// what it embeds): they may hear of its deletion.
        mutating func saw(_ event: Event, user: Int64, message: String?) {
            switch event {
            case .tweet(let t):
                sawTweet[t.id, default: []].insert(user)
                if let rt = t.retweetedStatusID { sawTweet[rt, default: []].insert(user) }
                if let q = t.quotedStatusID, message.map({ $0.hasSuffix("q=\(q)") }) ?? true { sawTweet[q, default: []].insert(user) }
            case .favorite(let f), .unfavorite(let f):
                if message.map({ $0.hasSuffix(" full") }) ?? true { sawTweet[f.tweetID, default: []].insert(user) }
            default: break
            }
        }

        /// Only a `user_update` (or an account's first appearance) sets its username.
        mutating func name(_ id: Int64, _ username: String) {
            usernames[id] = username
        }

        /// Applies an accepted event, with the documented rule for partial profiles.
        mutating func apply(_ event: Event, sequence: Int64, stated: User.Fields) {
            history[sequence] = event
            switch event {
            case .tweet(let t):
                // A tweet's embedded user never changes a known account's protection; a new account is
                // protected unless the object says otherwise.
                if protected[t.user.id] == nil { protected[t.user.id] = stated.contains(.protected) ? t.user.protected : true }
                if usernames[t.user.id] == nil { name(t.user.id, t.user.username) }
                tweets[t.id] = TweetFacts(
                    author: t.user.id, replyTo: t.inReplyToStatusID, replyUser: t.inReplyToUserID, retweetOf: t.retweetedStatusID,
                    quoteOf: t.quotedStatusID, publicWhenPosted: protected[t.user.id] == false)
            case .userUpdate(let u):
                if stated.contains(.protected) { protected[u.id] = u.protected } else if protected[u.id] == nil { protected[u.id] = true }
                profilePublic[sequence] = protected[u.id] == false
                name(u.id, u.username)
            case .delete(let d): tweets[d.id]?.deleted = true
            default: graph.apply(event)
            }
        }
    }

    // MARK: - The system under test

    /// One life of the event core on one database file, wired as `buildApplication` wires it.
    struct Core {
        let store: any Store
        let hub: PrivateSSEHub
        let siteHub: SiteStreamHub
        let follower: LogFollower
        let streams: PrivateSSEStreams

        static func start(path: String, tweetMemory: Int, replayMemory: Int) async throws -> Core {
            let logger = Logger(label: "visibility-model")
            let store = try await StoreLocation("sqlite:" + path).open(logger: logger)
            let graph = try await store.socialGraph()
            let hub = PrivateSSEHub(position: graph.sequence, replayMemory: replayMemory)
            let truth = SocialTruth(
                SocialState(users: graph.users, follows: graph.follows, blocks: graph.blocks, tweetMemory: tweetMemory, position: graph.sequence))
            let siteHub = SiteStreamHub(truth: truth)
            let feed = PrivateSSEFeed(store: store, truth: truth)
            let follower = LogFollower(
                feed: feed, consumers: [SiteStreamsLogConsumer(hub: siteHub), PrivateSSELogConsumer(hub: hub, feed: feed)],
                startingAfter: graph.sequence, last: graph.last, logger: logger)
            let leases = NodeLeases(store: store, node: "model", period: 60, logger: logger)
            let streams = PrivateSSEStreams(
                store: store, hub: hub, feed: feed, leases: leases, outboxBytes: 1 << 30, replayWindow: 1e9, heartbeatSeconds: 15,
                logger: logger)
            return Core(store: store, hub: hub, siteHub: siteHub, follower: follower, streams: streams)
        }
    }

    final class PrivateStream {
        let users: Set<Int64>?
        /// Where it started: nil live, else after this sequence number.
        let startedAfter: Int64?
        var subscription: PrivateSSESubscription?
        var expected: [Int64] = []
        var received: [Int64] = []
        init(users: Set<Int64>?, startedAfter: Int64?) {
            self.users = users
            self.startedAfter = startedAfter
        }
        /// What a client sends as `Last-Event-ID` when it reconnects.
        var resumeFrom: Int64? { received.last ?? startedAfter }
    }

    final class SiteStream {
        let users: [Int64]
        let options: SiteStreamRules.Options
        var connection: SiteStreamConnection?
        var carried: Set<Int64> = []
        var expected: [String] = []
        var received: [String] = []
        /// (sequence, user) pairs the stream may receive or not (see `Oracle.mayReceive`).
        var optional: Set<String> = []
        init(users: [Int64], options: SiteStreamRules.Options) {
            self.users = users
            self.options = options
        }
    }

    static let limits = StreamLimits(maxConnections: 3, eventsPerSecond: 1_000_000, tokensPerHour: 10, idleTimeoutSeconds: 1_000_000)
    static let app = SiteApp.generate(name: "model")

    // MARK: - Reading what the streams got

    static func take(_ outbox: Outbox) -> [String] {
        guard case .frames(let frames)? = outbox.take() else { return [] }
        return frames.map { String(buffer: $0) }
    }

    /// The sequence numbers of Private SSE payload frames (status frames carry none).
    static func ids(_ frames: [String]) -> [Int64] {
        frames.flatMap { $0.split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int64($0.dropFirst(4)) : nil } }
    }

    /// Site Streams frames as descriptors: `SEQ uUSER what` (SEQ 0 for messages that are not log events).
    static func descriptors(_ frames: [String]) throws -> [String] {
        var out: [String] = []
        for frame in frames {
            var sequence: Int64 = 0
            var data = ""
            for line in frame.split(separator: "\n") {
                if line.hasPrefix("id: ") { sequence = Int64(line.dropFirst(4)) ?? -1 }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { continue }
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))
            guard case .int(let user)? = json["for_user"], let message = json["message"] else { continue }
            out.append("\(sequence) u\(user) " + describe(message))
        }
        return out
    }

    static func describe(_ m: JSONValue) -> String {
        func id(_ v: JSONValue?) -> String { if case .int(let i)? = v?["id"] { String(i) } else { "-" } }
        if case .array(let friends)? = m["friends"] {
            return "friends \(friends.compactMap { if case .int(let i) = $0 { i } else { nil } }.sorted())"
        }
        if m["text"] != nil, m["user"] != nil { return "tweet \(id(m)) rt=\(id(m["retweeted_status"])) q=\(id(m["quoted_status"]))" }
        if let status = m["delete"]?["status"] { return "delete \(id(status))" }
        if case .string(let name)? = m["event"] {
            if name == "favorite" || name == "unfavorite" { return "event \(name) \(m["target_object"]?["text"] != nil ? "full" : "bare")" }
            return "event \(name)"
        }
        if let dm = m["direct_message"] { return "dm \(id(dm))" }
        return "other \(m)"
    }

    // MARK: - The run

    struct Run {
        var rng: SplitMix64
        var oracle = Oracle()
        var core: Core
        let path: String
        var privateStreams: [PrivateStream] = []
        var siteStreams: [SiteStream] = []
        var nextTweet: Int64 = 100
        var nextDM: Int64 = 1
        var position: Int64 = 0
        var restarts = 0
        var deliveries = 0
        let population: [Int64] = Array(1...8)

        mutating func random(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func chance(_ percent: Int) -> Bool { random(1...100) <= percent }
        mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[random(0...(items.count - 1))] }
        var knownUsers: [Int64] { oracle.usernames.keys.sorted() }
        var allTweets: [Int64] { oracle.tweets.keys.sorted() }
        var liveTweets: [Int64] { oracle.tweets.filter { !$0.value.deleted }.keys.sorted() }

        /// A profile object, possibly partial: `protected` and `name` left out at random. Now and then a
        /// `user_update` renames the account, sometimes to a name another account holds.
        mutating func userJSON(_ id: Int64, protectedValue: Bool?, rename: Bool = false) -> [String: Any] {
            let username = rename ? ["user\(id)", "alt\(id)", "shared", "shared"][random(0...3)] : oracle.usernames[id] ?? "user\(id)"
            var o: [String: Any] = ["id": id, "username": username]
            if let protectedValue { o["protected"] = protectedValue }
            if chance(50) { o["name"] = "User \(id) v\(random(1...9))" }
            if chance(30) { o["followers_count"] = random(0...5000) }
            return o
        }

        mutating func nextEvent() -> [String: Any]? {
            let users = knownUsers
            switch random(1...100) {
            case 1...14:
                let id = pick(population)!
                return ["type": "user_update", "data": userJSON(id, protectedValue: chance(70) ? chance(50) : nil, rename: chance(35))]
            case 15...52:
                // Mostly known authors; now and then one never seen, whose object may leave out `protected`.
                let author = chance(85) ? (pick(users) ?? 1) : pick(population)!
                let embeddedProtected: Bool? = chance(50) ? nil : chance(50)
                var data: [String: Any] = [
                    "id": nextTweet, "created_at": "2024-01-01T12:00:00Z",
                    "user": userJSON(author, protectedValue: embeddedProtected, rename: chance(15)),
                ]
                var text = "tweet \(nextTweet)"
                if chance(30), let other = pick(users) { text += " cc @\(["user\(other)", "alt\(other)", "shared", "shared"][random(0...3)])" }
                data["text"] = text
                switch random(1...10) {
                case 1...3:
                    if let target = pick(allTweets) {
                        data["in_reply_to_status_id"] = target
                        data["in_reply_to_user_id"] = oracle.tweets[target]!.author
                    }
                case 4...5: if let target = pick(liveTweets) { data["retweeted_status_id"] = target }
                case 6...7: if let target = pick(allTweets) { data["quoted_status_id"] = target }
                default: break
                }
                nextTweet += 1
                return ["type": "tweet", "data": data]
            case 53...60:
                guard let id = pick(liveTweets) else { return nil }
                return ["type": "delete", "data": ["id": id, "user_id": oracle.tweets[id]!.author]]
            case 61...82:
                guard let a = pick(users), let b = pick(users), a != b else { return nil }
                let kind = ["follow", "follow", "follow", "unfollow", "block", "unblock"][random(0...5)]
                return ["type": kind, "data": ["source_id": a, "target_id": b]]
            case 83...92:
                guard let source = pick(users), let tweet = pick(liveTweets) else { return nil }
                return ["type": chance(75) ? "favorite" : "unfavorite", "data": ["source_id": source, "tweet_id": tweet]]
            default:
                guard let a = pick(users), let b = pick(users), a != b else { return nil }
                defer { nextDM += 1 }
                return [
                    "type": "direct_message",
                    "data": ["id": nextDM, "sender_id": a, "recipient_id": b, "text": "psst", "created_at": "2024-01-01T12:00:00Z"],
                ]
            }
        }

        /// Publishes one event through the real path: JSON as a producer sends it, the store's
        /// validation and resolution, then the follower dispatching it to both hubs.
        mutating func publish(_ object: [String: Any]) async throws {
            try await publish(batch: [object])
        }

        /// Publishes a batch in one append (the follower then reads it as one page).
        mutating func publish(batch objects: [[String: Any]]) async throws {
            let events = try objects.map { try JSONDecoder().decode(Event.self, from: JSONSerialization.data(withJSONObject: $0)) }
            let range: ClosedRange<Int64>
            do {
                range = try await core.store.append(events)
            } catch StoreError.rejected {
                return
            }
            // Private SSE: public when applied, and still public once the whole batch is.
            var publicThen: [(PrivateStream, Int64, Event)] = []
            for (sequence, event) in zip(range, events) {
                var stated = User.Fields.all
                if case .tweet(let t) = event { stated = t.user.stated }
                if case .userUpdate(let u) = event { stated = u.stated }
                // Site Streams: decided on the oracle's state before the event, with a new author's
                // profile already known.
                if case .tweet(let t) = event, oracle.protected[t.user.id] == nil {
                    oracle.protected[t.user.id] = stated.contains(.protected) ? t.user.protected : true
                    oracle.name(t.user.id, t.user.username)
                }
                var site: [(SiteStream, Int64, String)] = []
                for stream in siteStreams where stream.connection != nil {
                    for user in stream.users where stream.carried.contains(user) {
                        if let message = oracle.siteMessage(user, event, followings: stream.options.followings, repliesAll: stream.options.repliesAll)
                        {
                            site.append((stream, user, "\(sequence) u\(user) \(message)"))
                        } else if oracle.mayReceive(user, event) {
                            stream.optional.insert("\(sequence) u\(user)")
                        }
                    }
                }
                oracle.apply(event, sequence: sequence, stated: stated)
                for (stream, user, message) in site {
                    stream.expected.append(message)
                    oracle.saw(event, user: user, message: message)
                }
                for stream in siteStreams where stream.connection != nil {
                    for user in stream.users where stream.optional.contains("\(sequence) u\(user)") {
                        oracle.saw(event, user: user, message: nil)
                    }
                }
                if oracle.isPublicNow(event, sequence: sequence) {
                    for stream in privateStreams where stream.subscription != nil && oracle.wants(event, users: stream.users) {
                        publicThen.append((stream, sequence, event))
                    }
                }
            }
            for (stream, sequence, event) in publicThen where oracle.isPublicNow(event, sequence: sequence) {
                stream.expected.append(sequence)
            }
            position = range.upperBound
            await core.follower.catchUp()
            collect()
        }

        mutating func collect() {
            for stream in privateStreams {
                guard let subscription = stream.subscription else { continue }
                stream.received += VisibilityModelTests.ids(VisibilityModelTests.take(subscription.outbox))
            }
            for stream in siteStreams {
                guard let connection = stream.connection else { continue }
                stream.received += (try? VisibilityModelTests.descriptors(VisibilityModelTests.take(connection.outbox))) ?? ["unparsable"]
            }
        }

        /// Opens a Private SSE stream, live or resuming after `lastEventID`, as the server does.
        mutating func openPrivate(_ stream: PrivateStream, after lastEventID: Int64?) async {
            let subscription = PrivateSSESubscription(
                id: core.hub.makeSubscriptionID(), keyID: "k",
                spec: try! FilterSpec.parse(stream.users.map { ["users": $0.sorted().map(String.init).joined(separator: ",")] } ?? [:]),
                eventNames: true, limits: VisibilityModelTests.limits, expiresAt: .infinity, outboxLimit: 1 << 30, now: Date().timeIntervalSince1970,
                wake: {})
            stream.subscription = subscription
            if let lastEventID {
                // Replay decides on what is true now.
                for sequence in (lastEventID + 1)...max(lastEventID + 1, position) where sequence <= position {
                    if let event = oracle.history[sequence], oracle.isPublicNow(event, sequence: sequence), oracle.wants(event, users: stream.users) {
                        stream.expected.append(sequence)
                    }
                }
                await core.streams.replayAndJoin(subscription, after: lastEventID)
            } else {
                core.hub.registerLive(subscription)
            }
            collect()
        }

        /// Opens a Site Streams connection as an admission does: grants read after the revocation mark.
        mutating func openSite(_ stream: SiteStream) async throws {
            let connection = SiteStreamConnection(
                id: UUID().uuidString, appID: VisibilityModelTests.app.id, options: stream.options, stringifyFriendIDs: false, format: .sse,
                stallWarnings: false, outboxLimit: 1 << 30, wake: {})
            let mark = core.siteHub.revocationMark()
            let granted = try await core.store.grantedUsers(appID: VisibilityModelTests.app.id, among: Set(stream.users))
            let users = stream.users.filter(granted.contains)
            stream.connection = connection
            stream.carried = Set(users)
            for user in users {
                let friends = oracle.follows.filter { $0[0] == user }.map { $0[1] }.sorted()
                stream.expected.append("0 u\(user) friends \(friends)")
            }
            core.siteHub.open(connection, users: users, checkedSince: mark)
            collect()
        }

        mutating func grant(_ user: Int64) async throws {
            guard try await core.store.grant(appID: VisibilityModelTests.app.id, userID: user, at: Date()) else { return }
            oracle.grants.insert(user)
        }

        /// Revokes as the admin API does: the store first, then every open stream carrying the user.
        mutating func revoke(_ user: Int64) async throws {
            guard try await core.store.revokeGrant(appID: VisibilityModelTests.app.id, userID: user) else { return }
            oracle.grants.remove(user)
            for stream in siteStreams where stream.connection != nil && stream.carried.contains(user) {
                stream.carried.remove(user)
                stream.expected.append("0 u\(user) event access_revoked")
            }
            core.siteHub.revoke(appID: VisibilityModelTests.app.id, appName: VisibilityModelTests.app.name, user: user, now: Date())
            collect()
        }

        /// Stops the core and starts it again on the same file; every stream resumes: Private SSE from the
        /// last event it received (or where it started), Site Streams with the same users.
        mutating func restart() async throws {
            collect()
            try await core.store.close()
            core = try await Core.start(path: path, tweetMemory: random(1...4), replayMemory: chance(50) ? 0 : 1 << 20)
            restarts += 1
            let resuming = privateStreams
            privateStreams = []
            for old in resuming {
                old.subscription = nil
                let stream = PrivateStream(users: old.users, startedAfter: old.resumeFrom)
                privateStreams.append(stream)
                finished.append(old)
                await openPrivate(stream, after: old.resumeFrom)
            }
            let reconnecting = siteStreams
            siteStreams = []
            for old in reconnecting {
                old.connection = nil
                finishedSite.append(old)
                let stream = SiteStream(users: old.users, options: old.options)
                siteStreams.append(stream)
                try await openSite(stream)
            }
        }

        var finished: [PrivateStream] = []
        var finishedSite: [SiteStream] = []

        mutating func step() async throws {
            switch random(1...100) {
            case 1...3: try await restart()
            case 4...7:
                let users: Set<Int64>? = chance(60) ? Set((0..<random(1...4)).map { _ in pick(population)! }) : nil
                let after: Int64? = chance(60) ? Int64(random(0...Int(position))) : nil
                let stream = PrivateStream(users: users, startedAfter: after)
                privateStreams.append(stream)
                await openPrivate(stream, after: after)
            case 8...10:
                let users = Array(Set((0..<random(1...4)).map { _ in pick(population)! })).sorted()
                let stream = SiteStream(users: users, options: .init(followings: chance(50), repliesAll: chance(30)))
                siteStreams.append(stream)
                try await openSite(stream)
            case 11...14: if let user = pick(knownUsers) { try await grant(user) }
            case 15...16: if let user = pick(oracle.grants.sorted()) { try await revoke(user) }
            case 17...24:
                // Several events in one append, read as one page: a tweet deleted, or its author protected,
                // a moment later in the same batch.
                var batch: [[String: Any]] = []
                for _ in 0..<random(2...4) {
                    guard let event = nextEvent() else { continue }
                    batch.append(event)
                    // Now and then, take it back at once: delete the tweet, or what it refers to (perhaps
                    // forgotten by the server, and so looked up in the store), or protect its author.
                    guard event["type"] as? String == "tweet", chance(60), let data = event["data"] as? [String: Any],
                        let id = data["id"] as? Int64, let author = (data["user"] as? [String: Any])?["id"] as? Int64
                    else { continue }
                    let referenced = ["quoted_status_id", "retweeted_status_id", "in_reply_to_status_id"].compactMap { data[$0] as? Int64 }
                        .first { oracle.live($0) != nil }
                    switch random(1...3) {
                    case 1: batch.append(["type": "delete", "data": ["id": id, "user_id": author]])
                    case 2: batch.append(["type": "user_update", "data": userJSON(author, protectedValue: true)])
                    default:
                        if let referenced {
                            batch.append(["type": "delete", "data": ["id": referenced, "user_id": oracle.tweets[referenced]!.author]])
                        }
                    }
                }
                if !batch.isEmpty { try await publish(batch: batch) }
            default: if let event = nextEvent() { try await publish(event) }
            }
        }

        /// Messages of one event to several users of a stream come in no set order: sorted within each run
        /// of one sequence number, the order across events kept.
        static func normalized(_ messages: [String]) -> [String] {
            var out: [String] = []
            var run: [String] = []
            var key: Substring?
            for message in messages {
                let sequence = message.split(separator: " ").first
                if sequence != key {
                    out += run.sorted()
                    run = []
                    key = sequence
                }
                run.append(message)
            }
            return out + run.sorted()
        }

        /// Sequence numbers with what the oracle knows of their events, for failure messages.
        func describe(_ sequences: Set<Int64>) -> String {
            sequences.sorted().map { sequence -> String in
                guard let event = oracle.history[sequence] else { return "\(sequence)" }
                switch event {
                case .tweet(let t):
                    let facts = oracle.tweets[t.id]
                    return
                        "\(sequence): tweet \(t.id) by \(t.user.id) (protected \(oracle.protected[t.user.id].map(String.init) ?? "?"), deleted \(facts?.deleted ?? false)) reply \(t.inReplyToStatusID.map(String.init) ?? "-") rt \(t.retweetedStatusID.map(String.init) ?? "-") q \(t.quotedStatusID.map(String.init) ?? "-")"
                case .userUpdate(let u):
                    return
                        "\(sequence): profile of \(u.id) (protected now \(oracle.protected[u.id].map(String.init) ?? "?"), then public \(oracle.profilePublic[sequence].map(String.init) ?? "?"))"
                default: return "\(sequence): \(event.kind.rawValue)"
                }
            }.joined(separator: "; ")
        }

        /// Compares every stream's messages with the oracle's, exactly (optional deletions aside).
        func verify(seed: UInt64) -> Int {
            var checked = 0
            for stream in finished + privateStreams {
                #expect(
                    stream.received == stream.expected,
                    "seed \(seed), private stream \(stream.users.map { "users=\($0.sorted())" } ?? "unfiltered"): leaked \(describe(Set(stream.received).subtracting(stream.expected))), missed \(describe(Set(stream.expected).subtracting(stream.received)))"
                )
                checked += stream.received.count
            }
            for stream in finishedSite + siteStreams {
                let received = Self.normalized(
                    stream.received.filter { message in
                        !stream.optional.contains(message.split(separator: " ").prefix(2).joined(separator: " "))
                    })
                let expected = Self.normalized(stream.expected)
                #expect(
                    received == expected,
                    "seed \(seed), site stream \(stream.users) \(stream.options): leaked \(Set(received).subtracting(expected).sorted()), missed \(Set(expected).subtracting(received).sorted())"
                )
                checked += received.count
            }
            return checked
        }
    }

    /// Runs `steps` random operations from `seed`; returns how many messages were compared.
    @discardableResult
    static func run(seed: UInt64, steps: Int) async throws -> Int {
        let path = Fixtures.temporaryDatabasePath()
        var rng = SplitMix64(seed: seed)
        let core = try await Core.start(path: path, tweetMemory: Int.random(in: 1...4, using: &rng), replayMemory: 1 << 20)
        try await core.store.createApp(app)
        var run = Run(rng: rng, core: core, path: path)
        // A population to start from: protection stated or not.
        for id in run.population.prefix(5) {
            let stated = run.chance(60)
            let value = run.chance(50)
            let profile = run.userJSON(id, protectedValue: stated ? value : nil)
            try await run.publish(["type": "user_update", "data": profile])
        }
        for _ in 0..<steps { try await run.step() }
        run.collect()
        let checked = run.verify(seed: seed)
        try await run.core.store.close()
        return checked
    }

    @Test(arguments: Array(UInt64(1)...UInt64(12)))
    func theEventCoreAgreesWithTheOracle(seed: UInt64) async throws {
        let checked = try await Self.run(seed: seed, steps: 300)
        #expect(checked > 0)
    }

    /// The long run: `scripts/test` runs 20 seeds (`SLUICE_VISIBILITY_SEEDS`); for a release,
    /// `SLUICE_VISIBILITY_SEEDS=500 swift test --filter VisibilityModelTests/longRun`. Skipped, not passed, when unset.
    @Test(.enabled(if: visibilitySeeds > 0, "set SLUICE_VISIBILITY_SEEDS")) func longRun() async throws {
        var checked = 0
        for seed in 0..<UInt64(visibilitySeeds) { checked += try await Self.run(seed: 10_000 + seed, steps: 400) }
        #expect(checked > visibilitySeeds * 100, "each seed compares messages")
        print("visibility model: \(visibilitySeeds) seeds, \(checked) messages compared")
    }
}
