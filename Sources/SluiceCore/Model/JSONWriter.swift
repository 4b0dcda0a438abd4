/// Writes JSON for Sluice's own fixed shapes (tweets and profiles) directly into bytes, exactly as
/// `JSONCoding.encoder` writes them: keys sorted by their bytes, `/` unescaped, `"` `\` and control
/// characters escaped as Foundation escapes them, numbers as Foundation prints them.
///
/// Every tweet is encoded twice on its way (the log's canonical form at ingest, each wire payload at
/// fan-out); Foundation's encoder was a quarter of ingest CPU and a third of replay CPU. The models'
/// `Encodable` conformances stay the definition: `JSONWriterTests` checks byte-for-byte agreement
/// with them on random tweets and profiles.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the innermost open object already has a field (a comma goes before the next).
    private var hasField = false

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// The JSON written so far.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends an object: `body` writes its fields, in sorted order.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = hasField
        hasField = false
        body(&self)
        hasField = outer
        bytes.append(UInt8(ascii: "}"))
    }

    /// Starts a field: its key (plain ASCII, written as given) and the colon.
    public mutating func key(_ name: StaticString) {
        if hasField { bytes.append(UInt8(ascii: ",")) }
        hasField = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Starts a field whose key is not known in advance (escaped like any string).
    public mutating func key(_ name: String) {
        if hasField { bytes.append(UInt8(ascii: ",")) }
        hasField = true
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        field(name, value)
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        integer(Int64(value))
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        boolean(value)
    }

    public mutating func field(_ name: StaticString, _ value: [String]) {
        key(name)
        array(value.count) { w, index in w.string(value[index]) }
    }

    /// Appends an array of `count` elements, each written by `element`.
    public mutating func array(_ count: Int, _ element: (inout JSONWriter, Int) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, index)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func null() {
        bytes.append(contentsOf: Self.nullBytes)
    }

    public mutating func boolean(_ value: Bool) {
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    /// An id as `IDStyle` writes it: `name` (a number, or a string with `.string`), then `name_str`.
    /// The caller passes both keys, `name_str` sorting right after `name`.
    public mutating func id(_ name: StaticString, _ twin: StaticString, _ value: Int64, style: IDStyle) {
        key(name)
        switch style {
        case .numberAndString: integer(value)
        case .string: quotedInteger(value)
        }
        key(twin)
        quotedInteger(value)
    }

    public mutating func id(_ name: StaticString, _ twin: StaticString, _ value: Int64?, style: IDStyle) {
        guard let value else { return }
        id(name, twin, value, style: style)
    }

    public mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    private mutating func quotedInteger(_ value: Int64) {
        bytes.append(UInt8(ascii: "\""))
        integer(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A number as Foundation's encoder prints a `Double`: Swift's shortest round-trip digits, without
    /// a trailing `.0`.
    public mutating func number(_ value: Double) {
        let text = value.description
        bytes.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    }

    /// A string, escaped as Foundation escapes it (`withoutEscapingSlashes`).
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    bytes.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 15)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
}

/// A model that writes itself with `JSONWriter`, in the shape its `Encodable` conformance defines.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter, ids: IDStyle)
}

extension JSONWritable {
    /// This value's JSON, as `JSONCoding.string(self, ids:)` would write it.
    public func json(ids: IDStyle = .numberAndString) -> String {
        var writer = JSONWriter()
        write(to: &writer, ids: ids)
        return writer.string
    }
}

extension Tweet: JSONWritable {
    public func write(to writer: inout JSONWriter, ids: IDStyle) {
        writer.object { w in
            w.field("created_at", Timestamp.format(createdAt))
            w.key("entities")
            w.object { e in
                e.field("hashtags", entities.hashtags)
                e.field("mentions", entities.mentions)
                e.field("urls", entities.urls)
            }
            if let geo {
                w.key("geo")
                w.object { g in
                    if let coordinates = geo.coordinates {
                        g.key("coordinates")
                        g.object { c in
                            c.key("latitude")
                            c.number(coordinates.latitude)
                            c.key("longitude")
                            c.number(coordinates.longitude)
                        }
                    }
                    g.field("place", geo.place)
                }
            }
            w.id("id", "id_str", id, style: ids)
            w.id("in_reply_to_status_id", "in_reply_to_status_id_str", inReplyToStatusID, style: ids)
            w.id("in_reply_to_user_id", "in_reply_to_user_id_str", inReplyToUserID, style: ids)
            w.field("lang", lang)
            w.key("metrics")
            w.object { m in
                m.field("likes", metrics.likes)
                m.field("quotes", metrics.quotes)
                m.field("replies", metrics.replies)
                m.field("retweets", metrics.retweets)
            }
            w.id("quoted_status_id", "quoted_status_id_str", quotedStatusID, style: ids)
            w.id("retweeted_status_id", "retweeted_status_id_str", retweetedStatusID, style: ids)
            w.field("text", text)
            w.key("user")
            user.write(to: &w, ids: ids)
        }
    }
}

extension User: JSONWritable {
    public func write(to writer: inout JSONWriter, ids: IDStyle) {
        writer.object { w in
            w.field("created_at", createdAt.map(Timestamp.format))
            w.field("description", description)
            w.field("followers_count", followersCount)
            w.field("following_count", followingCount)
            w.id("id", "id_str", id, style: ids)
            w.field("location", location)
            w.field("name", name)
            w.field("profile_image_url", profileImageURL)
            w.field("protected", protected)
            w.field("url", url)
            w.field("username", username)
            w.field("verified", verified)
        }
    }
}

extension JSONValue: JSONWritable {
    /// Objects with their keys in byte order, as Foundation's `sortedKeys` orders them.
    public func write(to writer: inout JSONWriter, ids: IDStyle = .numberAndString) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.boolean(value)
        case .int(let value): writer.integer(value)
        case .double(let value): writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let elements):
            writer.array(elements.count) { w, index in elements[index].write(to: &w, ids: ids) }
        case .object(let fields):
            writer.object { w in
                for key in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                    w.key(key)
                    fields[key]!.write(to: &w, ids: ids)
                }
            }
        }
    }
}
