/// Helpers for Twitter-style 64-bit identifiers.
///
/// JavaScript clients lose precision above 2^53, which is why Twitter's API sent every id twice:
/// as a number (`id`) and as a string (`id_str`). Sluice writes both and accepts either on input.
public enum TwitterID {
    /// Decodes a 64-bit id stored under `key`, written either as a JSON number or as a decimal string.
    public static func decode<K: CodingKey>(
        _ container: KeyedDecodingContainer<K>,
        _ key: K
    ) throws -> Int64 {
        if let number = try? container.decode(Int64.self, forKey: key) {
            return try validated(number, container, key)
        }
        if let string = try? container.decode(String.self, forKey: key) {
            guard let number = Int64(string) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "expected a 64-bit integer id, got \"\(string.prefix(40))\"")
            }
            return try validated(number, container, key)
        }
        if !container.contains(key) {
            throw DecodingError.keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "required field missing"))
        }
        throw DecodingError.typeMismatch(
            Int64.self, .init(codingPath: container.codingPath + [key], debugDescription: "expected a 64-bit integer id"))
    }

    /// Decodes an optional id; `null` and absence both mean "none".
    static func decodeIfPresent<K: CodingKey>(
        _ container: KeyedDecodingContainer<K>,
        _ key: K
    ) throws -> Int64? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        return try decode(container, key)
    }

    private static func validated<K: CodingKey>(
        _ id: Int64, _ container: KeyedDecodingContainer<K>, _ key: K
    ) throws -> Int64 {
        guard id > 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "ids are positive integers")
        }
        return id
    }
}

/// A coding key built from a string, for containers whose keys are computed (`id` beside `id_str`).
struct AnyCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// How ids are written: as a number plus `_str` (the log, Twitter's API), or as strings only where the
/// number would be (the Private SSE document, whose JavaScript clients lose precision above 2^53).
public enum IDStyle: Sendable {
    case numberAndString
    case string
}

extension CodingUserInfoKey {
    /// Set to an `IDStyle` in an encoder's `userInfo` to choose how ids are written.
    public static let sluiceIDStyle = CodingUserInfoKey(rawValue: "sluice.idStyle")!
}

extension Encoder {
    var idStyle: IDStyle { userInfo[.sluiceIDStyle] as? IDStyle ?? .numberAndString }
}

extension KeyedEncodingContainer where K == AnyCodingKey {
    /// Writes `id` under `name` (a number, or a string with `.string`) and as a string under `name_str`.
    mutating func encodeID(_ id: Int64, as name: String, style: IDStyle) throws {
        switch style {
        case .numberAndString: try encode(id, forKey: AnyCodingKey(name))
        case .string: try encode(String(id), forKey: AnyCodingKey(name))
        }
        try encode(String(id), forKey: AnyCodingKey(name + "_str"))
    }

    mutating func encodeIDIfPresent(_ id: Int64?, as name: String, style: IDStyle) throws {
        guard let id else { return }
        try encodeID(id, as: name, style: style)
    }
}

extension CodingUserInfoKey {
    /// Set by the ingest parser (`EventBatchParser`): the models then refuse fields they do not take,
    /// as every other input of the API does. Not set when the log is read back, so that events stored
    /// by an earlier version, with fields since retired, still decode.
    public static let refusesUnknownFields = CodingUserInfoKey(rawValue: "sluice.refusesUnknownFields")!
}

extension Decoder {
    /// When refusing unknown fields, throws for the first key of this object not among `known` or the
    /// `_str` twins of `ids` (the form the log and Twitter's API write ids in, accepted back).
    func refuseUnknownFields(_ known: Set<String>, ids: Set<String> = []) throws {
        guard userInfo[.refusesUnknownFields] as? Bool == true else { return }
        let c = try container(keyedBy: AnyCodingKey.self)
        let allowed = known.union(ids.map { $0 + "_str" })
        if let unknown = c.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
            throw DecodingError.dataCorruptedError(
                forKey: AnyCodingKey(unknown), in: c,
                debugDescription: "unknown field; known: \(known.sorted().joined(separator: ", "))")
        }
        // A `_str` twin is only the id written again: it must be there with its id, and say the same.
        for id in ids.sorted() where c.contains(AnyCodingKey(id + "_str")) {
            let twin = AnyCodingKey(id + "_str")
            let repeated = try? c.decode(String.self, forKey: twin)
            let value = c.contains(AnyCodingKey(id)) ? try? TwitterID.decode(c, AnyCodingKey(id)) : nil
            guard let repeated, let value, repeated == String(value) else {
                throw DecodingError.dataCorruptedError(
                    forKey: twin, in: c,
                    debugDescription: "\(id)_str repeats \(id) as a decimal string: give \(id), and the same value here or nothing")
            }
        }
    }
}
