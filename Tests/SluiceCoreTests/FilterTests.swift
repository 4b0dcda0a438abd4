import Foundation
import SluiceSimulation
import SluiceTestSupport
import Synchronization
import Testing

@testable import SluiceCore

@Suite struct FilterTests {
    func spec(_ query: [String: String]) throws -> FilterSpec { try FilterSpec.parse(query) }

    func tweet(
        _ text: String = "hello world", followers: Int = 100, verified: Bool = false, lang: String? = "en",
        retweets: Int = 0, username: String = "alice", id: Int64 = 1
    ) -> Tweet {
        var t = Fixtures.tweet(10, by: Fixtures.user(id, username, followers: followers, verified: verified), text: text, lang: lang)
        t.metrics.retweets = retweets
        return t
    }

    func matches(_ s: FilterSpec, _ t: Tweet) -> Bool { s.matches(t, terms: TweetTerms(t)) }

    @Test func keywordsMatchWholeWordsCaseInsensitivelyIncludingHashtags() throws {
        let s = try spec(["keywords": "Swift,#ai"])
        #expect(matches(s, tweet("I love SWIFT!")))
        #expect(matches(s, tweet("learning #swift today")), "a plain keyword matches a hashtag's word")
        #expect(matches(s, tweet("new #AI model")))
        #expect(!matches(s, tweet("swiftly done")), "whole words only")
        #expect(!matches(s, tweet("ai is everywhere")), "#ai needs the hashtag")
        let phrase = try spec(["keywords": "climate change"])
        #expect(matches(phrase, tweet("change the climate")))
        #expect(!matches(phrase, tweet("climate only")))
        // What a hashtag is (README): `#` at the start of a word, not after a letter, digit or `_`, and not in a URL.
        let tag = try spec(["keywords": "#swift"])
        #expect(matches(tag, tweet("new (#swift) release")) && matches(tag, tweet("##swift")))
        #expect(!matches(tag, tweet("c#swift")), "a # after a letter tags nothing")
        #expect(!matches(tag, tweet("see https://example.com/#swift")), "a # in a URL tags nothing")
        #expect(matches(try spec(["keywords": "swift"]), tweet("see https://example.com/swift-news")), "words of URLs are words")
        let mixed = try spec(["keywords": "climate #cop28"])
        #expect(matches(mixed, tweet("Climate talks at #COP28")))
        #expect(!matches(mixed, tweet("climate talks at cop28")), "the hashtag of a phrase needs the hashtag, as alone")
        #expect(!matches(try spec(["keywords": "#ai #data"]), tweet("ai and data")))
    }

    @Test func eachFilterAloneMatchesAndJustMisses() throws {
        #expect(matches(try spec(["users": "Alice"]), tweet(username: "alice")))
        #expect(!matches(try spec(["users": "alicia"]), tweet(username: "alice")))
        #expect(matches(try spec(["users": "42"]), tweet(id: 42)))
        #expect(!matches(try spec(["users": "43"]), tweet(id: 42)))
        #expect(matches(try spec(["min_followers": "1000"]), tweet(followers: 1000)))
        #expect(!matches(try spec(["min_followers": "1000"]), tweet(followers: 999)))
        #expect(matches(try spec(["verified": "true"]), tweet(verified: true)))
        #expect(!matches(try spec(["verified": "true"]), tweet(verified: false)))
        #expect(matches(try spec(["verified": "false"]), tweet(verified: false)))
        #expect(matches(try spec(["language": "pt,es"]), tweet(lang: "pt-BR")))
        #expect(!matches(try spec(["language": "pt"]), tweet(lang: "en")))
        #expect(!matches(try spec(["language": "pt"]), tweet(lang: nil)))
        #expect(matches(try spec(["min_retweets": "10"]), tweet(retweets: 10)))
        #expect(!matches(try spec(["min_retweets": "10"]), tweet(retweets: 9)))
        #expect(matches(FilterSpec(), tweet()), "no filters: everything public")
    }

    /// Found by fuzzing (Fuzz/Regressions/FuzzQueryFilter): lists split on the comma code point, so the
    /// summary a stream reports, sent back as a query, is the same filter.
    @Test func listsSplitOnCommasFollowedByCombiningMarks() throws {
        let spec = try FilterSpec.parse(["keywords": "a,\u{301}b"])
        #expect(spec.keywords.map(\.original) == ["a", "\u{301}b"])
        guard case .array(let summary)? = spec.summary["keywords"] else {
            Issue.record("no keywords in the summary")
            return
        }
        let again = try FilterSpec.parse(["keywords": summary.compactMap { if case .string(let s) = $0 { s } else { nil } }.joined(separator: ",")])
        #expect(again == spec)
    }

    @Test func kindsCombineWithAnd() throws {
        let s = try spec(["keywords": "swift,rust", "min_followers": "1000", "verified": "true", "language": "en"])
        #expect(matches(s, tweet("rust rocks", followers: 5000, verified: true)))
        #expect(!matches(s, tweet("rust rocks", followers: 5000, verified: false)))
        #expect(!matches(s, tweet("rust rocks", followers: 999, verified: true)))
        #expect(!matches(s, tweet("rust rocks", followers: 5000, verified: true, lang: "de")))
        #expect(!matches(s, tweet("go rocks", followers: 5000, verified: true)))
    }

    static let malformed: [([String: String], String)] = [
        (["min_followers": "abc"], "min_followers"), (["min_followers": "-1"], "min_followers"),
        (["verified": "maybe"], "verified"), (["min_retweets": "1.5"], "min_retweets"),
        (["keywords": ""], "keywords"), (["keywords": "!!!"], "keywords"),
        (["keywords": String(repeating: "a", count: 10_000)], "keywords"),
        (["keywords": (0..<1000).map { "k\($0)" }.joined(separator: ",")], "keywords"),
        (["users": "not a user!"], "users"), (["language": "english"], "language"),
    ]

    @Test(arguments: malformed)
    func malformedFiltersNameTheParameter(_ query: [String: String], _ parameter: String) {
        #expect(throws: FilterSpec.ParseError.self) { try FilterSpec.parse(query) }
        do {
            _ = try FilterSpec.parse(query)
        } catch {
            #expect(error.parameter == parameter)
        }
    }

    /// The index must find exactly the specs the README's rules say match, for random specs and tweets,
    /// some specs removed again.
    @Test func indexAgreesWithTheDocumentedRules() throws {
        var rng = SplitMix64(seed: 99)
        let words = ["swift", "rust", "ai", "climate", "goal", "music", "space", "data"]
        let names = ["alice", "bob", "carol", "dave"]
        let languages = ["en", "pt", "pt-BR", "de", "EN-gb"]
        var index = FilterIndex<Int>()
        var filters: [Int: DocumentedFilter] = [:]
        for id in 0..<400 {
            var f = DocumentedFilter()
            if Bool.random(using: &rng) {
                f.keywords = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                    (0..<Int.random(in: 1...2, using: &rng)).map { _ in (Bool.random(using: &rng) ? "#" : "") + words.randomElement(using: &rng)! }
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                f.users = (0..<Int.random(in: 1...2, using: &rng)).map { _ in
                    let n = Int.random(in: 0..<names.count, using: &rng)
                    return [names[n], "@" + names[n].uppercased(), String(n + 1)].randomElement(using: &rng)!
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { f.languages = [languages.randomElement(using: &rng)!] }
            if Int.random(in: 0..<4, using: &rng) == 0 { f.minFollowers = Int.random(in: 0...2000, using: &rng) }
            if Int.random(in: 0..<6, using: &rng) == 0 { f.verified = Bool.random(using: &rng) }
            if Int.random(in: 0..<6, using: &rng) == 0 { f.minRetweets = Int.random(in: 0...3, using: &rng) }
            filters[id] = f
            index.insert(id, try FilterSpec.parse(f.query))
        }
        for id in stride(from: 0, to: 400, by: 7) {
            index.remove(id)
            filters[id] = nil
        }
        var matched = 0
        for _ in 0..<500 {
            // Words, hashtags, and the shapes the rule must tell apart: a sign after punctuation, after a
            // letter, doubled; words in a URL, and a `#` in one; punctuation around words.
            let text = (0..<4).map { _ -> String in
                let word = words.randomElement(using: &rng)!, other = words.randomElement(using: &rng)!
                switch Int.random(in: 0..<12, using: &rng) {
                case 0, 1, 2: return "#" + word
                case 3: return "(#\(word))"
                case 4: return "c#" + word
                case 5: return "##" + word
                case 6: return "https://example.com/\(word)#\(other)"
                case 7: return word.uppercased() + "!"
                case 8: return "@" + word
                default: return word
                }
            }.joined(separator: " ")
            let n = Int.random(in: 0..<names.count, using: &rng)
            let t = tweet(
                text, followers: Int.random(in: 0...3000, using: &rng), verified: Bool.random(using: &rng),
                lang: languages.randomElement(using: &rng)!, retweets: Int.random(in: 0...4, using: &rng), username: names[n], id: Int64(n + 1))
            let read = DocumentedText(t.text)
            let expected = Set(filters.filter { $0.value.wants(t, text: read) }.keys)
            matched += expected.count
            let found = Set(index.matches(t, terms: TweetTerms(t)))
            #expect(
                found == expected,
                "\(t.text) by \(t.user.username) (\(t.user.id)), \(t.lang ?? "-"), \(t.user.followersCount) followers, verified \(t.user.verified), \(t.metrics.retweets) retweets: found but not due \(found.subtracting(expected).prefix(3).map { filters[$0]!.query }), due but not found \(expected.subtracting(found).prefix(3).map { filters[$0]!.query })"
            )
        }
        #expect(matched > 1000, "the random specs and tweets meet often enough to test something")
    }

    @Test func outboxIsBoundedAndWakesOnce() {
        let wakes = Counter()
        let outbox = Outbox(limit: 10, wake: { wakes.increment() })
        let stale: () -> ContinuousClock.Instant = { .now + Outbox.patience }
        #expect(outbox.push(.init(string: "12345")) == .queued)
        #expect(outbox.push(.init(string: "1234567890")) == .queued, "the oldest frame does not count")
        #expect(outbox.push(.init(string: "1")) == .queued, "over the limit, but only just now")
        #expect(outbox.push(.init(string: "1"), clock: stale) == .full, "still over the limit after the patience")
        #expect(wakes.value == 1, "one wake until the writer takes")
        guard case .frames(let frames)? = outbox.take() else {
            Issue.record("no frames")
            return
        }
        #expect(frames.count == 3)
        #expect(outbox.push(.init(string: "1")) == .queued)
        #expect(wakes.value == 2)
        outbox.close(.slowReader, farewell: .init(string: "bye"), discardQueued: true)
        #expect(outbox.push(.init(string: "1")) == .closed)
        guard case .end(let reason, let farewell)? = outbox.take() else {
            Issue.record("no end")
            return
        }
        #expect(reason == .slowReader)
        #expect(farewell == .init(string: "bye"))
        #expect(outbox.take() == nil)
    }

    /// No message is undeliverable: an empty outbox takes a frame of any size, and what follows it is
    /// judged on its own (the issue of one oversized tweet cutting every stream).
    @Test func outboxTakesOneOversizedFrameAndWhatFollowsIt() {
        let outbox = Outbox(limit: 10, wake: {})
        #expect(outbox.push(.init(string: String(repeating: "x", count: 100))) == .queued)
        #expect(outbox.push(.init(string: "123456789")) == .queued)
        guard case .frames(let frames)? = outbox.take() else {
            Issue.record("no frames")
            return
        }
        #expect(frames.map(\.readableBytes) == [100, 9])
    }

    /// A burst pushed faster than the writer gets its turn is not a slow reader (the review cut readers
    /// that kept up with one batch of large tweets); a backlog that stays, or grows past the burst
    /// allowance, is.
    @Test func outboxTellsABurstFromAReaderThatDoesNotKeepUp() {
        let start = ContinuousClock.now
        let outbox = Outbox(limit: 10, wake: {})
        #expect(outbox.push(.init(string: "1")) == .queued)
        for _ in 0..<4 { #expect(outbox.push(.init(string: "123456789"), clock: { start }) == .queued, "a burst, within 4 × the limit") }
        #expect(outbox.push(.init(string: "123456789"), clock: { start }) == .full, "past 4 × the limit")
        _ = outbox.take()
        // Taken: the next burst starts its own patience.
        #expect(outbox.push(.init(string: "1")) == .queued)
        #expect(outbox.push(.init(string: "123456789012"), clock: { start + .seconds(10) }) == .queued, "over the limit from now on")
        #expect(outbox.push(.init(string: "1"), clock: { start + .seconds(11) }) == .queued)
        #expect(outbox.push(.init(string: "1"), clock: { start + .seconds(10) + Outbox.patience }) == .full, "over the limit for too long")
    }

    @Test func tokenBucketAllowsRatePerSecond() {
        var bucket = TokenBucket(rate: 5, now: 0)
        #expect((0..<10).filter { _ in bucket.take(now: 0) }.count == 5)
        #expect(bucket.take(now: 0.1) == false)
        #expect(bucket.take(now: 0.2) == true)
        #expect((0..<10).filter { _ in bucket.take(now: 10) }.count == 5, "never more than one second's burst")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

extension FilterTests {
    /// The ASCII shortcuts of `TweetText` answer as Unicode's properties do, for every ASCII character
    /// (and `\r\n`, one `Character` of two scalars); beyond ASCII they are the properties themselves.
    @Test func textClassesAgreeWithUnicodeOnASCII() {
        for character in (0..<128).map({ Character(Unicode.Scalar(UInt8($0))) }) + ["\r\n"] {
            #expect(TweetText.isWhitespace(character) == character.isWhitespace, "\(character.unicodeScalars.first!.value)")
            #expect(
                TweetText.isWordCharacter(character) == (character.isLetter || character.isNumber || character == "_"),
                "\(character.unicodeScalars.first!.value)")
        }
    }
}
