import Foundation
import SluiceCore

/// A result row of either database, read by column name.
///
/// The model is built from rows once, here, for both stores: they share column names and
/// representations (ids as integers, times as milliseconds since 1970, JSON as text).
protocol StoreRow {
    /// The column's integer value, or nil when it is NULL or missing.
    func integer(_ name: String) -> Int64?
    /// The column's text value, or nil when it is NULL or missing.
    func text(_ name: String) -> String?
}

extension StoreRow {
    func int64(_ name: String) throws -> Int64 {
        guard let value = integer(name) else { throw StoreError.unavailable("column \(name) missing") }
        return value
    }

    func string(_ name: String) throws -> String {
        guard let value = text(name) else { throw StoreError.unavailable("column \(name) missing") }
        return value
    }

    func date(_ name: String) -> Date? {
        integer(name).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    func storedEvent() throws -> StoredEvent {
        let type = try string("type")
        guard let kind = EventKind(rawValue: type) else { throw StoreError.unavailable("unknown event type \(type) in log") }
        return StoredEvent(
            sequence: try int64("seq"), kind: kind, data: try string("data"), acceptedAt: date("accepted_at") ?? .distantPast,
            batchEnd: integer("batch_end"))
    }

    func streamToken() throws -> StreamToken {
        StreamToken(
            secretHash: try string("secret_hash"), keyID: try string("key_id"), createdAt: date("created_at") ?? .distantPast,
            expiresAt: date("expires_at") ?? .distantPast, usedAt: date("used_at"))
    }

    func siteApp() throws -> SiteApp {
        SiteApp(
            id: try string("id"), name: try string("name"), consumerKey: try string("consumer_key"),
            consumerSecret: try string("consumer_secret"), accessToken: try string("access_token"),
            accessTokenSecret: try string("access_token_secret"), createdAt: date("created_at") ?? .distantPast)
    }

    func apiKey() throws -> APIKey {
        let scopes = try string("scopes").split(separator: ",").compactMap { KeyScope(rawValue: String($0)) }
        let limits = try JSONDecoder().decode(StreamLimits.self, from: Data(try string("limits").utf8))
        return APIKey(
            id: try string("id"), name: try string("name"), scopes: Set(scopes), secretHash: try string("secret_hash"),
            limits: limits, createdAt: date("created_at") ?? .distantPast, revokedAt: date("revoked_at"))
    }

    func user() throws -> User {
        try User(storedJSON: try string("data"))
    }

    /// A `tweets` row's author, liveness, retweeted tweet and protection when posted (`deleted` and
    /// `posted_protected` as 0 or 1; a missing protection counts as protected).
    func tweetState() throws -> KnownEntities.TweetState {
        .init(
            authorID: try int64("author_id"), deleted: try int64("deleted") != 0, retweetOf: integer("retweet_of"),
            postedWhileProtected: integer("posted_protected").map { $0 != 0 } ?? true)
    }

    func tweet() throws -> Tweet {
        try Tweet(storedJSON: try string("data"))
    }
}

extension APIKey {
    /// The `scopes` column: scope names, sorted, comma-separated.
    var scopesColumn: String { scopes.map(\.rawValue).sorted().joined(separator: ",") }
}

extension Date {
    var millisecondsSince1970: Int { Int((timeIntervalSince1970 * 1000).rounded()) }
}
