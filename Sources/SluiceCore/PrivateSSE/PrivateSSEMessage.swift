import NIOCore

/// An event as Private SSE delivers it: named `tweet` or `user`, with `data` the envelope
/// `{"type": …, "data": {…}}` in the Private SSE document's shape (ids as strings).
public struct PrivateSSEMessage: Sendable {
    public enum Kind: String, Sendable {
        case tweet
        case user
    }

    public var kind: Kind
    public var sequence: Int64
    /// The envelope JSON.
    public var json: String
    /// What routing needs: the tweet and its terms, or the updated user.
    public var tweet: Tweet?
    public var terms: TweetTerms?
    public var user: User?

    /// The message for `event`, or nil if the event has no Private SSE form. Whether it may be delivered
    /// is decided apart, on the current state, each time it is (`isPublic(in:)`): live and on replay.
    /// - Parameter findingTerms: false for a message matched once, as a replay's are: its terms are
    ///   then found only if a filter has keywords (`isWanted(by:)`).
    public init?(_ event: Event, sequence: Int64, findingTerms: Bool = true) throws {
        self.sequence = sequence
        switch event {
        case .tweet(let tweet):
            kind = .tweet
            self.tweet = tweet
            terms = findingTerms ? TweetTerms(tweet) : nil
            json = Self.envelope("tweet", tweet.json(ids: .string))
        case .userUpdate(let user):
            kind = .user
            self.user = user
            json = Self.envelope("user", user.json(ids: .string))
        default:
            return nil
        }
    }

    /// `{"type": …, "data": …}`, in the document's order.
    static func envelope(_ type: String, _ data: String) -> String {
        #"{"type":"\#(type)","data":\#(data)}"#
    }

    /// Whether the message may be delivered on a public stream now (`Visibility`).
    public func isPublic(in state: SocialState) -> Bool {
        if let tweet { return Visibility.isPublic(tweet, in: state) }
        if let user { return Visibility.isPublic(user, in: state) }
        return false
    }

    /// The tweets whose author and liveness `isPublic(in:)` needs.
    public var tweetsToKnow: Set<Int64> {
        tweet.map { Visibility.referencedTweets(of: $0).union([$0.id]) } ?? []
    }

    /// Whether a connection with `spec` gets this message.
    public func isWanted(by spec: FilterSpec) -> Bool {
        // A message kept for replay has no terms (`ReplayBuffer`); they are found again when needed.
        if let tweet { return spec.matches(tweet, terms: terms ?? (spec.keywords.isEmpty ? Self.noTerms : TweetTerms(tweet))) }
        if let user { return spec.concerns(user) }
        return false
    }

    private static let noTerms = TweetTerms(text: "")

    /// The SSE frame, with the event named (`event: tweet`) or not (`?event_names=false`).
    public func frame(named: Bool) -> ByteBuffer {
        SSEEncoder.event(name: named ? kind.rawValue : nil, id: sequence, data: json)
    }
}

/// `status` events: the first event of every stream, limit notices, and close explanations.
public enum PrivateSSEStatus {
    public static func frame(_ fields: [String: JSONValue], named: Bool) -> ByteBuffer {
        let data = PrivateSSEMessage.envelope("status", JSONValue.object(fields).json())
        return SSEEncoder.event(name: named ? "status" : nil, id: nil, data: data)
    }

    public static func closing(_ reason: CloseReason, named: Bool) -> ByteBuffer {
        frame(["status": .string("disconnected"), "reason": .string(reason.rawValue), "message": .string(reason.message)], named: named)
    }

    public static func limit(skipped: Int, named: Bool) -> ByteBuffer {
        frame(["status": .string("limit"), "skipped": .int(Int64(skipped))], named: named)
    }
}
