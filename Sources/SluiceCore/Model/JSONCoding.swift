import Foundation

/// The JSON encoder configuration used everywhere Sluice writes JSON.
///
/// Keys are sorted because Foundation's encoder otherwise emits them in hash order, which differs
/// from process to process: the same event must have the same bytes in the log, on every node.
public enum JSONCoding {
    public static func encoder(ids: IDStyle = .numberAndString) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[.sluiceIDStyle] = ids
        return encoder
    }

    /// Encodes `value` as a UTF-8 JSON string.
    public static func string(_ value: some Encodable, ids: IDStyle = .numberAndString) throws -> String {
        String(decoding: try encoder(ids: ids).encode(value), as: UTF8.self)
    }
}
