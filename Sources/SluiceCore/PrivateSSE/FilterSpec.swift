import Foundation

/// The filters of a Private SSE connection, as parsed from its query string.
///
/// Filters combine with AND across kinds and OR within a kind: `keywords=a,b&verified=true` is
/// "(a or b) and verified". A kind left out does not filter.
public struct FilterSpec: Sendable, Hashable {
    /// One entry of `keywords`: a word, a `#hashtag`, or several words that must all appear.
    public struct Keyword: Sendable, Hashable {
        /// Normalized terms: lower-cased words, or `#tag`.
        public var terms: [String]
        /// As the client wrote it (trimmed), for the `status` event.
        public var original: String

        public init(terms: [String], original: String) {
            self.terms = terms
            self.original = original
        }
    }

    /// A `users` entry: a username (case-insensitive) or a numeric user id.
    public enum UserRef: Sendable, Hashable {
        case username(String)
        case id(Int64)
    }

    public var keywords: [Keyword] = []
    public var users: [UserRef] = []
    public var minFollowers: Int?
    public var verified: Bool?
    /// Primary language subtags, lower-cased (`en`, `pt`).
    public var languages: [String] = []
    public var minRetweets: Int?

    public init() {}

    // MARK: - Limits

    /// Documented limits on a filter's size; beyond them the request is refused, never truncated.
    public enum Limits {
        public static let keywords = 100
        public static let keywordLength = 60
        public static let users = 100
        public static let languages = 20
    }

    public struct ParseError: Error, Sendable, Equatable {
        public var parameter: String
        public var message: String
    }

    /// The query parameters this type reads.
    public static let parameterNames: Set<String> = ["keywords", "users", "min_followers", "verified", "language", "min_retweets"]

    /// Parses filters from already URL-decoded query parameter values.
    public static func parse(_ parameters: [String: String]) throws(ParseError) -> FilterSpec {
        var spec = FilterSpec()
        if let raw = parameters["keywords"] {
            for entry in try list(raw, "keywords", max: Limits.keywords) {
                guard entry.count <= Limits.keywordLength else {
                    throw ParseError(parameter: "keywords", message: "each keyword is at most \(Limits.keywordLength) characters")
                }
                // Part by part: in `climate #cop28` the second word must be the hashtag, as it would be
                // alone (a whole entry read as plain words once let `#cop28` match the bare word).
                let normalized = Set(
                    entry.split(whereSeparator: \.isWhitespace).flatMap { part in
                        let terms = TweetTerms(text: String(part))
                        return part.hasPrefix("#") ? terms.hashtags : terms.words
                    }
                ).sorted()
                guard !normalized.isEmpty else {
                    throw ParseError(parameter: "keywords", message: "keyword \"\(entry)\" has no letters or digits")
                }
                spec.keywords.append(Keyword(terms: normalized, original: entry))
            }
        }
        if let raw = parameters["users"] {
            for entry in try list(raw, "users", max: Limits.users) {
                let name = entry.hasPrefix("@") ? String(entry.dropFirst()) : entry
                if let id = Int64(name), id > 0 {
                    spec.users.append(.id(id))
                } else if User.isValidUsername(name) {
                    spec.users.append(.username(name.lowercased()))
                } else {
                    throw ParseError(parameter: "users", message: "\"\(entry.prefix(60))\" is neither a username nor a numeric user id")
                }
            }
        }
        spec.minFollowers = try count(parameters["min_followers"], "min_followers")
        spec.minRetweets = try count(parameters["min_retweets"], "min_retweets")
        if let raw = parameters["verified"] {
            switch raw.lowercased() {
            case "true": spec.verified = true
            case "false": spec.verified = false
            default: throw ParseError(parameter: "verified", message: "verified must be true or false, got \"\(raw.prefix(40))\"")
            }
        }
        if let raw = parameters["language"] {
            for entry in try list(raw, "language", max: Limits.languages) {
                guard Tweet.isLanguageTag(entry) else {
                    throw ParseError(parameter: "language", message: "\"\(entry.prefix(40))\" is not a language code such as en or pt-BR")
                }
                let primary = String(entry.prefix { $0 != "-" }).lowercased()
                if !spec.languages.contains(primary) { spec.languages.append(primary) }
            }
        }
        return spec
    }

    /// The comma-separated entries of a list parameter: at least one, at most `max`.
    private static func list(_ raw: String, _ name: String, max: Int) throws(ParseError) -> [String] {
        // Split on the comma code point: as a Character, a comma followed by a combining mark is not a comma.
        let entries = raw.unicodeScalars.split(separator: ",")
            .map { String(String.UnicodeScalarView($0)).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty, entries.count <= max else {
            throw ParseError(parameter: name, message: "\(name) takes 1 to \(max) comma-separated entries, got \(entries.count)")
        }
        return entries
    }

    private static func count(_ raw: String?, _ name: String) throws(ParseError) -> Int? {
        guard let raw else { return nil }
        guard let value = Int(raw), value >= 0 else {
            throw ParseError(parameter: name, message: "\(name) must be a whole number ≥ 0, got \"\(raw.prefix(40))\"")
        }
        return value
    }

    // MARK: - Matching

    /// Whether a (public) tweet passes every filter. This is the reference semantics; `FilterIndex`
    /// only narrows down which specs to ask.
    public func matches(_ tweet: Tweet, terms: TweetTerms) -> Bool {
        if !keywords.isEmpty, !keywords.contains(where: terms.matches) { return false }
        if !users.isEmpty, !concerns(tweet.user) { return false }
        if let minFollowers, tweet.user.followersCount < minFollowers { return false }
        if let verified, tweet.user.verified != verified { return false }
        if !languages.isEmpty {
            guard let language = tweet.primaryLanguage, languages.contains(language) else { return false }
        }
        if let minRetweets, tweet.metrics.retweets < minRetweets { return false }
        return true
    }

    /// Whether `user` is named by the `users` filter (the connection then also gets their profile updates).
    public func concerns(_ user: User) -> Bool {
        users.contains { ref in
            switch ref {
            case .id(let id): id == user.id
            case .username(let name): name == user.username.lowercased()
            }
        }
    }

    /// The filters as the `status` event reports them.
    public var summary: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        if !keywords.isEmpty { out["keywords"] = .array(keywords.map { .string($0.original) }) }
        if !users.isEmpty {
            out["users"] = .array(
                users.map {
                    switch $0 {
                    case .id(let id): .string(String(id))
                    case .username(let name): .string(name)
                    }
                })
        }
        if let minFollowers { out["min_followers"] = .int(Int64(minFollowers)) }
        if let verified { out["verified"] = .bool(verified) }
        if !languages.isEmpty { out["language"] = .array(languages.map { .string($0) }) }
        if let minRetweets { out["min_retweets"] = .int(Int64(minRetweets)) }
        return out
    }
}
