import Foundation

/// Reads tweets and profiles (and the `tweet` and `user_update` events that carry them) without
/// Foundation's decoder, which was most of the cost of ingesting, following and replaying the log.
///
/// It reads a strict subset of what `init(from:)` accepts: standard JSON, each field the model
/// defines at most once, ids as numbers or decimal strings, no `null`. Whatever else it meets (a
/// field it does not know, a `null`, a number with a fraction where an integer goes, invalid UTF-8),
/// it gives up on, and the caller decodes with `JSONDecoder` as before, so every refusal and its
/// message still come from the models' `Decodable` conformances. What it builds matches them field
/// for field, defaults included (`ModelJSONReaderTests` compares the two on random input). Input
/// from publishers is also checked against every rule `init(from:)` enforces (`isAcceptable`)
/// before it is taken.
struct ModelJSONReader {
    struct Unreadable: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Objects and arrays open around the current position: past `maxDepth` the reader gives up, so
    /// nesting cannot exhaust the stack, and Foundation's own limit (512) decides deeper input.
    private var depth = 0
    static let maxDepth = 64
    /// The keys of the objects open around the current position, innermost last: one buffer for the
    /// whole read, not one per object (a tweet is five objects).
    private var openKeys: [String] = []
    /// Whether strings are checked to be UTF-8: not for what the log holds, which Sluice wrote.
    private let validatesUTF8: Bool

    private init(_ bytes: UnsafeBufferPointer<UInt8>, validatesUTF8: Bool) {
        self.bytes = bytes
        self.validatesUTF8 = validatesUTF8
    }

    /// The tweet written as `json`, or nil when the reader gives up on it.
    static func tweet(_ json: String) -> Tweet? {
        var json = json
        return json.withUTF8 { read($0, validatingUTF8: false) { try $0.tweet() } }
    }

    /// The profile written as `json`, or nil when the reader gives up on it.
    static func user(_ json: String) -> User? {
        var json = json
        return json.withUTF8 { read($0, validatingUTF8: false) { try $0.user() } }
    }

    /// A publisher's `tweet` or `user_update` event (`{"type": …, "data": …}`, `seq` ignored) that
    /// `Event(from:)` would accept, or nil when the reader gives up or a rule refuses it.
    static func publishedEvent(_ bytes: UnsafeBufferPointer<UInt8>) -> Event? {
        guard let event = read(bytes, validatingUTF8: true, { try $0.event() }) else { return nil }
        switch event {
        case .tweet(let tweet): return tweet.isAcceptable ? event : nil
        case .userUpdate(let user): return user.isAcceptable ? event : nil
        default: return nil
        }
    }

    private static func read<T>(
        _ bytes: UnsafeBufferPointer<UInt8>, validatingUTF8: Bool, _ body: (inout ModelJSONReader) throws -> T
    ) -> T? {
        var reader = ModelJSONReader(bytes, validatesUTF8: validatingUTF8)
        guard let value = try? body(&reader) else { return nil }
        reader.skipWhitespace()
        return reader.index == bytes.count ? value : nil
    }

    // MARK: Models

    private mutating func event() throws -> Event {
        var type: String?
        var data: Int?
        try object { reader, key in
            switch key {
            case "type": type = try reader.string()
            case "data":
                // The data is read once its type is known, which may come after it.
                data = reader.index
                try reader.skipValue()
            case "seq": try reader.skipValue()
            default: throw Unreadable()
            }
        }
        guard let data else { throw Unreadable() }
        let end = index
        index = data
        defer { index = end }
        switch type {
        case "tweet": return .tweet(try tweet())
        case "user_update": return .userUpdate(try user())
        default: throw Unreadable()
        }
    }

    private mutating func tweet() throws -> Tweet {
        var id: Int64?, text: String?, createdAt: Date?, user: User?
        var metrics = Tweet.Metrics()
        var entities: Tweet.Entities?
        var geo: Tweet.Geo?
        var lang: String?
        var replyTo: Int64?, replyToUser: Int64?, retweeted: Int64?, quoted: Int64?
        var twins: [(key: String, value: String)] = []
        func idTwinned(by twin: String) -> Int64? {
            switch twin {
            case "id_str": id
            case "in_reply_to_status_id_str": replyTo
            case "in_reply_to_user_id_str": replyToUser
            case "quoted_status_id_str": quoted
            default: retweeted
            }
        }
        try object { reader, key in
            switch key {
            case "created_at": createdAt = try reader.date()
            case "entities":
                var value = Tweet.Entities()
                try reader.object { reader, key in
                    switch key {
                    case "hashtags": value.hashtags = try reader.strings()
                    case "mentions": value.mentions = try reader.strings()
                    case "urls": value.urls = try reader.strings()
                    default: throw Unreadable()
                    }
                }
                entities = value
            case "geo":
                var value = Tweet.Geo()
                try reader.object { reader, key in
                    switch key {
                    case "place": value.place = try reader.string()
                    case "coordinates":
                        var latitude: Double?, longitude: Double?
                        try reader.object { reader, key in
                            switch key {
                            case "latitude": latitude = try reader.double()
                            case "longitude": longitude = try reader.double()
                            default: throw Unreadable()
                            }
                        }
                        guard let latitude, let longitude else { throw Unreadable() }
                        value.coordinates = .init(latitude: latitude, longitude: longitude)
                    default: throw Unreadable()
                    }
                }
                geo = value
            case "id": id = try reader.id()
            case "in_reply_to_status_id": replyTo = try reader.id()
            case "in_reply_to_user_id": replyToUser = try reader.id()
            case "quoted_status_id": quoted = try reader.id()
            case "retweeted_status_id": retweeted = try reader.id()
            case "id_str", "in_reply_to_status_id_str", "in_reply_to_user_id_str", "quoted_status_id_str", "retweeted_status_id_str":
                // Checked at once when the id came first (as sorted keys have it), else at the end.
                let value = try reader.string()
                if let known = idTwinned(by: key) {
                    guard value == String(known) else { throw Unreadable() }
                } else {
                    twins.append((key, value))
                }
            case "lang": lang = try reader.string()
            case "metrics":
                try reader.object { reader, key in
                    switch key {
                    case "likes": metrics.likes = try reader.int()
                    case "quotes": metrics.quotes = try reader.int()
                    case "replies": metrics.replies = try reader.int()
                    case "retweets": metrics.retweets = try reader.int()
                    default: throw Unreadable()
                    }
                }
            case "text": text = try reader.string()
            case "user": user = try reader.user()
            default: throw Unreadable()
            }
        }
        guard let id, let text, let createdAt, let user else { throw Unreadable() }
        // A `_str` twin repeats its id exactly (`refuseUnknownFields`).
        for twin in twins {
            guard let value = idTwinned(by: twin.key), twin.value == String(value) else { throw Unreadable() }
        }
        return Tweet(
            id: id, text: text, createdAt: createdAt, user: user, metrics: metrics, entities: entities, geo: geo, lang: lang,
            inReplyToStatusID: replyTo, inReplyToUserID: replyToUser, retweetedStatusID: retweeted, quotedStatusID: quoted)
    }

    private mutating func user() throws -> User {
        var id: Int64?, username: String?
        var name: String?, verified: Bool?, protected: Bool?, followers: Int?, following: Int?
        var description: String?, location: String?, url: String?, image: String?, createdAt: Date?
        var stated: User.Fields = []
        var twin: String?
        try object { reader, key in
            switch key {
            case "id": id = try reader.id()
            case "id_str": twin = try reader.string()
            case "username": username = try reader.string()
            case "name": (name, stated) = (try reader.string(), stated.union(.name))
            case "verified": (verified, stated) = (try reader.bool(), stated.union(.verified))
            case "protected": (protected, stated) = (try reader.bool(), stated.union(.protected))
            case "followers_count": (followers, stated) = (try reader.int(), stated.union(.followersCount))
            case "following_count": (following, stated) = (try reader.int(), stated.union(.followingCount))
            case "description": (description, stated) = (try reader.string(), stated.union(.description))
            case "location": (location, stated) = (try reader.string(), stated.union(.location))
            case "url": (url, stated) = (try reader.string(), stated.union(.url))
            case "profile_image_url": (image, stated) = (try reader.string(), stated.union(.profileImageURL))
            case "created_at": (createdAt, stated) = (try reader.date(), stated.union(.createdAt))
            default: throw Unreadable()
            }
        }
        guard let id, let username, twin == nil || twin == String(id) else { throw Unreadable() }
        // The defaults of `User.init(from:)`: unstated protection is protection.
        var user = User(
            id: id, username: username, name: name, verified: verified ?? false, protected: protected ?? true, followersCount: followers ?? 0,
            followingCount: following ?? 0, description: description, location: location, url: url, profileImageURL: image,
            createdAt: createdAt)
        user.stated = stated
        return user
    }

    // MARK: JSON

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard current == byte else { throw Unreadable() }
        index += 1
    }

    /// The next structural byte (`,` `}` `]`), consumed.
    private mutating func next() throws -> UInt8 {
        skipWhitespace()
        guard let byte = current else { throw Unreadable() }
        index += 1
        return byte
    }

    /// Reads an object, calling `field` with each key; `field` reads the value. A key given twice
    /// is left to Foundation.
    private mutating func object(_ field: (inout ModelJSONReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw Unreadable() }
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        let firstKey = openKeys.count
        defer { openKeys.removeSubrange(firstKey...) }
        while true {
            let key = try string()
            guard !openKeys[firstKey...].contains(key) else { throw Unreadable() }
            openKeys.append(key)
            try expect(UInt8(ascii: ":"))
            try field(&self, key)
            switch try next() {
            case UInt8(ascii: "}"): return
            case UInt8(ascii: ","): continue
            default: throw Unreadable()
            }
        }
    }

    private mutating func strings() throws -> [String] {
        try expect(UInt8(ascii: "["))
        var values: [String] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return values
        }
        while true {
            values.append(try string())
            switch try next() {
            case UInt8(ascii: "]"): return values
            case UInt8(ascii: ","): continue
            default: throw Unreadable()
            }
        }
    }

    /// Passes over one value of any kind (what `seq` holds, or an event's data until its type is known).
    private mutating func skipValue() throws {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["):
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw Unreadable() }
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue()
                switch try next() {
                case UInt8(ascii: "]"): return
                case UInt8(ascii: ","): continue
                default: throw Unreadable()
                }
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): guard match("null") else { throw Unreadable() }
        default: _ = try double()
        }
    }

    private mutating func bool() throws -> Bool {
        skipWhitespace()
        if match("true") { return true }
        if match("false") { return false }
        throw Unreadable()
    }

    private mutating func match(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// An integer in JSON's grammar (no leading zero, no fraction or exponent), within `Int64`.
    private mutating func integer() throws -> Int64 {
        skipWhitespace()
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        var magnitude: UInt64 = 0
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw Unreadable() }
            magnitude = sum
            index += 1
        }
        guard index > start, bytes[start] != UInt8(ascii: "0") || index == start + 1,
            current != UInt8(ascii: "."), current != UInt8(ascii: "e"), current != UInt8(ascii: "E")
        else { throw Unreadable() }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw Unreadable() }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw Unreadable() }
        return Int64(magnitude)
    }

    private mutating func int() throws -> Int {
        Int(try integer())
    }

    /// An id as `TwitterID.decode` takes it: a positive number, or a decimal string of one.
    private mutating func id() throws -> Int64 {
        skipWhitespace()
        let value = current == UInt8(ascii: "\"") ? Int64(try string()) : try integer()
        guard let value, value > 0 else { throw Unreadable() }
        return value
    }

    /// A number in JSON's grammar, as the nearest `Double`.
    private mutating func double() throws -> Double {
        skipWhitespace()
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        let digits = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        guard index > digits, bytes[digits] != UInt8(ascii: "0") || index == digits + 1 else { throw Unreadable() }
        if current == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            guard index > fraction else { throw Unreadable() }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            guard index > exponent else { throw Unreadable() }
        }
        let literal = UnsafeBufferPointer(rebasing: bytes[start..<index])
        guard let value = Double(String(decoding: literal, as: UTF8.self)), value.isFinite else { throw Unreadable() }
        // Foundation refuses a literal too small for a `Double` (not zero, yet read as zero).
        if value == 0,
            literal.prefix(while: { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }).contains(where: {
                $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9")
            })
        {
            throw Unreadable()
        }
        return value
    }

    private mutating func date() throws -> Date {
        guard let date = Timestamp.parse(try string()) else { throw Unreadable() }
        return date
    }

    /// A string: valid UTF-8, no raw control character, every JSON escape (a lone surrogate is left
    /// to Foundation).
    private mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        // The common case: no escape, one copy.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { index += 1 }
        guard let stop = current, stop >= 0x20 else { throw Unreadable() }
        if stop == UInt8(ascii: "\"") {
            index += 1
            return try text(UnsafeBufferPointer(rebasing: bytes[start..<index - 1]))
        }
        var unescaped = Array(bytes[start..<index])
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try unescaped.withUnsafeBufferPointer { try text($0) }
            case UInt8(ascii: "\\"):
                guard let escaped = current else { throw Unreadable() }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escaped)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try codeUnit()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard match("\\u") else { throw Unreadable() }
                        let low = try codeUnit()
                        guard (0xDC00..<0xE000).contains(low) else { throw Unreadable() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let value = Unicode.Scalar(scalar) else { throw Unreadable() }
                    unescaped.append(contentsOf: UTF8.encode(value)!)
                default: throw Unreadable()
                }
            case 0..<0x20:
                throw Unreadable()
            default:
                unescaped.append(byte)
            }
        }
        throw Unreadable()
    }

    private mutating func codeUnit() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw Unreadable() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Unreadable()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Text from UTF-8 that must be valid, when it comes from outside: Foundation refuses what
    /// `String(decoding:)` would repair.
    private func text(_ utf8: UnsafeBufferPointer<UInt8>) throws -> String {
        guard validatesUTF8 else { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw Unreadable() }
        return text
    }
}

extension Tweet {
    /// Whether `init(from:)` would accept this tweet, by each rule it enforces.
    var isAcceptable: Bool {
        func listAcceptable(_ list: [String], maxLength: Int) -> Bool {
            list.count <= Entities.maxEntries && list.allSatisfy { !$0.isEmpty && $0.count <= maxLength }
        }
        return !text.isEmpty && text.count <= Self.maxTextLength && user.isAcceptable
            && metrics.retweets >= 0 && metrics.likes >= 0 && metrics.replies >= 0 && metrics.quotes >= 0
            && listAcceptable(entities.hashtags, maxLength: Entities.maxHashtagLength)
            && listAcceptable(entities.mentions, maxLength: Entities.maxMentionLength)
            && listAcceptable(entities.urls, maxLength: Entities.maxURLLength)
            && (lang.map(Self.isLanguageTag) ?? true)
            && (geo?.coordinates.map { (-90...90).contains($0.latitude) && (-180...180).contains($0.longitude) } ?? true)
    }
}

extension User {
    /// Whether `init(from:)` would accept this profile, by each rule it enforces.
    var isAcceptable: Bool {
        Self.isValidUsername(username) && followersCount >= 0 && followingCount >= 0
    }
}

extension Tweet {
    /// The tweet a store holds as `storedJSON` (its canonical JSON, or an older form).
    public init(storedJSON: String) throws {
        self = try ModelJSONReader.tweet(storedJSON) ?? JSONDecoder().decode(Tweet.self, from: Data(storedJSON.utf8))
    }
}

extension User {
    /// The profile a store holds as `storedJSON` (its canonical JSON, or an older form).
    public init(storedJSON: String) throws {
        self = try ModelJSONReader.user(storedJSON) ?? JSONDecoder().decode(User.self, from: Data(storedJSON.utf8))
    }
}
