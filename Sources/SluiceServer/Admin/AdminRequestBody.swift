import Foundation
import Hummingbird
import SluiceCore

/// The JSON object an admin request sends. Every field must be known: a misspelt limit refused is
/// better than a key created without it.
protocol AdminRequestBody: Decodable {
    /// The fields the body may have.
    static var fields: Set<String> { get }
    /// The fields of objects nested under a field (`limits`).
    static var nestedFields: [String: Set<String>] { get }
}

extension AdminRequestBody {
    static var nestedFields: [String: Set<String>] { [:] }

    /// Reads the body (at most 64 KB) and decodes it; `400 invalid_request` if it is not this object,
    /// `400 unknown_field` if it has a field this object does not.
    static func decode(from request: Request) async throws -> Self {
        let body = Data(buffer: try await request.body.collect(upTo: 64 * 1024))
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            try APIError.refuseUnknown(fields: object.keys, known: fields)
            for (field, known) in nestedFields {
                if let nested = object[field] as? [String: Any] { try APIError.refuseUnknown(fields: nested.keys, known: known, in: field) }
            }
        }
        do {
            return try JSONDecoder().decode(Self.self, from: body)
        } catch let error as DecodingError {
            let message = EventBatchParser.rejection(error, lineIndex: nil).message
            // The parser's wording assumes a batch of events; an admin body is one object.
            throw APIError.badRequest(
                "invalid_request", message.hasPrefix("malformed JSON") ? "malformed JSON: expected a JSON object" : message)
        }
    }
}
