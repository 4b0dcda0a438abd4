import Foundation
import SluiceCore

/// Realistic synthetic platform traffic: a population of users with a follow graph, then a live mix of
/// tweets (with hashtags, mentions, URLs, replies, retweets, quotes), likes, follows, profile updates,
/// deletes, blocks and direct messages.
///
/// Every event it makes is valid against the state it has made so far, so it can be published as is
/// to a fresh server or to one that already ran it (tweet ids are time-based and never repeat).
public struct SyntheticTraffic: Sendable {
    public private(set) var users: [User]
    /// The language each user tweets in, by user index.
    private var languages: [String] = []
    /// Follow edges in an array (not a `Set`, whose order varies per instance) so a seed replays exactly.
    private var follows = OrderedEdges()
    private var liveTweets: [(id: Int64, author: Int64)] = []
    /// Recently deleted tweets: a reply or a quote may still name one (the platform keeps the reference).
    private var deletedTweets: [(id: Int64, author: Int64)] = []
    private var generator: SplitMix64
    private var lastID: Int64

    /// Ids of simulated users start here, far from ids a real platform would send in small tests.
    public static let firstUserID: Int64 = 1_000_001

    public init(seed: UInt64, userCount: Int = 60, now: Date = Date()) {
        generator = SplitMix64(seed: seed)
        // Twitter's snowflake layout: milliseconds since its epoch, shifted past a sequence field.
        lastID = (Int64(now.timeIntervalSince1970 * 1000) - 1_288_834_974_657) << 22
        users = []
        for index in 0..<max(2, userCount) {
            users.append(makeUser(index))
            languages.append(Self.languages[Int.random(in: 0..<Self.languages.count, using: &generator)])
        }
    }

    /// The population: one `user_update` per user, then the follow graph.
    public mutating func population() -> [Event] {
        var events = users.map { Event.userUpdate($0) }
        for user in users {
            let count = Int.random(in: 2...min(12, users.count - 1), using: &generator)
            for _ in 0..<count {
                let target = pickUser(preferPopular: true)
                guard target.id != user.id, follows.insert(.init(user.id, target.id)) else { continue }
                events.append(.follow(.init(sourceID: user.id, targetID: target.id)))
            }
        }
        return events
    }

    /// The next event of the live mix.
    public mutating func next(at date: Date = Date()) -> Event {
        let roll = Int.random(in: 0..<100, using: &generator)
        switch roll {
        case 0..<58: return tweet(at: date)
        case 58..<72: if let e = favorite() { return e }
        case 72..<79: if let e = follow() { return e }
        case 79..<82: if let e = unfollow() { return e }
        case 82..<87: return profileUpdate()
        case 87..<90: if let e = delete() { return e }
        case 90..<96: return directMessage(at: date)
        case 96..<98: return block()
        default: return unblock()
        }
        return tweet(at: date)
    }

    // MARK: - Events

    private mutating func tweet(at date: Date) -> Event {
        let authorIndex = pickIndex(preferPopular: false)
        var author = users[authorIndex]
        // Now and then a tweet carries a stale copy of a protected author that claims to be public, as a
        // platform's cached objects do: it must not make the account public (README, "Partial profiles").
        if author.protected, Int.random(in: 0..<6, using: &generator) == 0 { author.protected = false }
        var text = Self.openers.randomElement(using: &generator)!
        let topic = Self.topics.randomElement(using: &generator)!
        text += " " + topic.words.shuffled(using: &generator).prefix(3).joined(separator: " ")
        if Bool.random(using: &generator) { text += " #" + topic.tag }
        if Int.random(in: 0..<4, using: &generator) == 0 { text += " #" + Self.topics.randomElement(using: &generator)!.tag }
        if Int.random(in: 0..<3, using: &generator) == 0 { text += " @" + pickUser(preferPopular: true).username }
        if Int.random(in: 0..<5, using: &generator) == 0 { text += " https://example.com/\(topic.tag)/\(nextID() % 100_000)" }
        var tweet = Tweet(
            id: nextID(), text: text, createdAt: date, user: author,
            metrics: .init(
                retweets: skewed(max: 5000), likes: skewed(max: 20000), replies: skewed(max: 800), quotes: skewed(max: 300)),
            geo: Int.random(in: 0..<6, using: &generator) == 0 ? .init(place: Self.places.randomElement(using: &generator)!) : nil,
            lang: languages[authorIndex])
        if let live = liveTweets.randomElement(using: &generator) {
            // Now and then a reply or a quote names a tweet deleted since; a retweet needs a live one.
            let deleted = Int.random(in: 0..<4, using: &generator) == 0 ? deletedTweets.randomElement(using: &generator) : nil
            switch Int.random(in: 0..<10, using: &generator) {
            case 0:
                let parent = deleted ?? live
                tweet.inReplyToStatusID = parent.id
                tweet.inReplyToUserID = parent.author
            case 1: tweet.retweetedStatusID = live.id
            case 2: tweet.quotedStatusID = (deleted ?? live).id
            default: break
            }
        }
        remember(tweet.id, author: author.id)
        return .tweet(tweet)
    }

    private mutating func favorite() -> Event? {
        guard let tweet = liveTweets.randomElement(using: &generator) else { return nil }
        let user = pickUser(preferPopular: false)
        return Int.random(in: 0..<8, using: &generator) == 0
            ? .unfavorite(.init(sourceID: user.id, tweetID: tweet.id)) : .favorite(.init(sourceID: user.id, tweetID: tweet.id))
    }

    private mutating func follow() -> Event? {
        let source = pickUser(preferPopular: false)
        let target = pickUser(preferPopular: true)
        guard source.id != target.id, follows.insert(.init(source.id, target.id)) else { return nil }
        return .follow(.init(sourceID: source.id, targetID: target.id))
    }

    private mutating func unfollow() -> Event? {
        guard let edge = follows.edges.randomElement(using: &generator) else { return nil }
        follows.remove(edge)
        return .unfollow(.init(sourceID: edge.source, targetID: edge.target))
    }

    private mutating func block() -> Event {
        let (source, target) = distinctPair()
        follows.remove(.init(source, target))
        follows.remove(.init(target, source))
        return .block(.init(sourceID: source, targetID: target))
    }

    private mutating func unblock() -> Event {
        let (source, target) = distinctPair()
        return .unblock(.init(sourceID: source, targetID: target))
    }

    private mutating func profileUpdate() -> Event {
        let index = Int.random(in: 0..<users.count, using: &generator)
        users[index].followersCount += Int.random(in: -5...50, using: &generator)
        users[index].followersCount = max(0, users[index].followersCount)
        if Int.random(in: 0..<4, using: &generator) == 0 { users[index].name = users[index].name + " ✨" }
        if users[index].name.count > 40 { users[index].name = users[index].username.capitalized }
        // Accounts go protected and public again.
        if Int.random(in: 0..<6, using: &generator) == 0 { users[index].protected.toggle() }
        return .userUpdate(users[index])
    }

    private mutating func delete() -> Event? {
        guard !liveTweets.isEmpty else { return nil }
        let victim = liveTweets.remove(at: Int.random(in: 0..<liveTweets.count, using: &generator))
        deletedTweets.append(victim)
        if deletedTweets.count > 200 { deletedTweets.removeFirst(50) }
        return .delete(.init(id: victim.id, userID: victim.author))
    }

    private mutating func directMessage(at date: Date) -> Event {
        let (sender, recipient) = distinctPair()
        let text = Self.messages.randomElement(using: &generator)!
        return .directMessage(.init(id: nextID(), senderID: sender, recipientID: recipient, text: text, createdAt: date))
    }

    // MARK: - Helpers

    private mutating func makeUser(_ index: Int) -> User {
        let base = Self.handles[index % Self.handles.count]
        let username = index < Self.handles.count ? base : "\(base)\(index / Self.handles.count)"
        let followers = skewed(max: 2_000_000)
        return User(
            id: Self.firstUserID + Int64(index), username: username,
            name: username.replacingOccurrences(of: "_", with: " ").capitalized,
            verified: followers > 100_000 || Int.random(in: 0..<10, using: &generator) == 0,
            protected: Int.random(in: 0..<8, using: &generator) == 0,
            followersCount: followers, followingCount: Int.random(in: 10...2000, using: &generator),
            description: Self.bios[index % Self.bios.count])
    }

    /// Heavy-tailed counts: most small, a few huge, as on a real platform.
    private mutating func skewed(max: Int) -> Int {
        let u = Double.random(in: 0..<1, using: &generator)
        return Int(pow(u, 6) * Double(max))
    }

    private mutating func pickUser(preferPopular: Bool) -> User {
        users[pickIndex(preferPopular: preferPopular)]
    }

    /// Half the time with `preferPopular`, one of the first eighth of users: a few accounts draw most follows.
    private mutating func pickIndex(preferPopular: Bool) -> Int {
        if preferPopular, Bool.random(using: &generator) {
            return Int.random(in: 0..<min(users.count, max(3, users.count / 8)), using: &generator)
        }
        return Int.random(in: 0..<users.count, using: &generator)
    }

    private mutating func distinctPair() -> (Int64, Int64) {
        let a = Int.random(in: 0..<users.count, using: &generator)
        var b = Int.random(in: 0..<(users.count - 1), using: &generator)
        if b >= a { b += 1 }
        return (users[a].id, users[b].id)
    }

    private mutating func nextID() -> Int64 {
        lastID += Int64.random(in: 1...4096, using: &generator)
        return lastID
    }

    private mutating func remember(_ id: Int64, author: Int64) {
        liveTweets.append((id, author))
        if liveTweets.count > 500 { liveTweets.removeFirst(100) }
    }

    // MARK: - Vocabulary

    static let handles = [
        "ada_dev", "bytewitch", "cloudcarla", "dataduke", "elixir_eli", "fernandab", "gopher_gus", "hana_ml", "ivan_ops",
        "jules_ux", "kofi_codes", "lena_sec", "mateo_rs", "nadia_ai", "oscar_db", "priya_io", "quinn_qa", "rosa_web",
        "sam_swift", "tariq_net", "uma_data", "victor_vm", "wen_k8s", "xavi_js", "yara_cv", "zeno_sre", "newsdesk",
        "sportsline", "weathernow", "techdaily",
    ]
    static let bios = ["Building things.", "Opinions my own.", "Coffee, code, repeat.", "News as it happens.", "Here for the threads."]
    static let languages = ["en", "en", "en", "es", "pt", "fr", "de", "ja"]
    static let openers = ["Just shipped:", "Thoughts on", "Hot take:", "Reading about", "Loving", "Can't believe", "Thread on", "Today:"]
    /// The subjects tweets are about: a hashtag and the words that go with it.
    public static let topics: [(tag: String, words: [String])] = [
        ("swift", ["concurrency", "actors", "macros", "generics", "async", "server"]),
        ("ai", ["models", "embeddings", "inference", "agents", "benchmarks", "tokens"]),
        ("climate", ["solar", "wind", "emissions", "heatwave", "policy", "carbon"]),
        ("football", ["goal", "derby", "transfer", "penalty", "league", "keeper"]),
        ("music", ["album", "tour", "vinyl", "setlist", "chorus", "festival"]),
        ("programming", ["javascript", "rust", "compilers", "testing", "refactoring", "latency"]),
        ("space", ["launch", "orbit", "rover", "telescope", "nebula", "booster"]),
    ]
    static let places = ["San Francisco, CA", "Lisbon, Portugal", "Berlin, Germany", "Tokyo, Japan", "São Paulo, Brazil", "Lagos, Nigeria"]
    static let messages = ["hey, got a minute?", "loved your last thread", "sending the doc now", "are we still on for friday?", "🙌"]
}

/// A set of edges that remembers insertion order, for reproducible random choice.
private struct OrderedEdges: Sendable {
    private(set) var edges: [GraphChanges.Edge] = []
    private var positions: [GraphChanges.Edge: Int] = [:]

    mutating func insert(_ edge: GraphChanges.Edge) -> Bool {
        guard positions[edge] == nil else { return false }
        positions[edge] = edges.count
        edges.append(edge)
        return true
    }

    mutating func remove(_ edge: GraphChanges.Edge) {
        guard let index = positions.removeValue(forKey: edge) else { return }
        let last = edges.removeLast()
        if index < edges.count {
            edges[index] = last
            positions[last] = index
        }
    }
}
