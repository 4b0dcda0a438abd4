import Foundation

/// Parses an ingest body, a JSON array of events or NDJSON (one event per line), into events.
///
/// Errors name the event's index and the path of the offending field, so a producer can fix its batch
/// without guessing: `event 3: data.user.followers_count: expected a number`.
public enum EventBatchParser {
    public enum Format: Sendable {
        case jsonArray
        case ndjson
    }

    /// Events accepted in one batch at most.
    public static let maxEvents = 10_000

    public static func parse(_ body: Data, format: Format) throws(BatchRejection) -> [Event] {
        try parse(body, format: format, quickly: true)
    }

    /// `quickly: false` is the Foundation way only: the oracle `FastBatchParser` is tested against.
    static func parse(_ body: Data, format: Format, quickly: Bool) throws(BatchRejection) -> [Event] {
        if quickly, let events = FastBatchParser.parse(body, format: format) { return events }
        let events =
            switch format {
            case .jsonArray: try parseArray(body)
            case .ndjson: try parseLines(body)
            }
        guard !events.isEmpty else {
            throw BatchRejection(index: 0, code: .invalidEvent, message: "the batch is empty")
        }
        guard events.count <= maxEvents else {
            throw BatchRejection(index: maxEvents, code: .invalidEvent, message: "a batch holds at most \(maxEvents) events")
        }
        return events
    }

    /// A decoder for what publishers send: unknown fields are refused, as everywhere in the API.
    static func ingestDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.refusesUnknownFields] = true
        return decoder
    }

    private static func parseArray(_ body: Data) throws(BatchRejection) -> [Event] {
        let decoder = ingestDecoder()
        let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        do {
            if first == UInt8(ascii: "{") {
                return [try decoder.decode(Event.self, from: body)]
            }
            return try decoder.decode([Event].self, from: body)
        } catch let error as DecodingError {
            throw rejection(error, lineIndex: nil)
        } catch {
            throw BatchRejection(index: 0, code: .invalidEvent, message: "malformed JSON: \(error)")
        }
    }

    private static func parseLines(_ body: Data) throws(BatchRejection) -> [Event] {
        let decoder = ingestDecoder()
        var events: [Event] = []
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard events.count < maxEvents else {
                throw BatchRejection(index: maxEvents, code: .invalidEvent, message: "a batch holds at most \(maxEvents) events")
            }
            do {
                events.append(try decoder.decode(Event.self, from: Data(line)))
            } catch let error as DecodingError {
                throw rejection(error, lineIndex: events.count)
            } catch {
                throw BatchRejection(index: events.count, code: .invalidEvent, message: "event \(events.count): malformed JSON")
            }
        }
        return events
    }

    /// Describes a decoding error by event index and field path.
    public static func rejection(_ error: DecodingError, lineIndex: Int?) -> BatchRejection {
        let context: DecodingError.Context
        let reason: String
        switch error {
        case .keyNotFound(let key, let c):
            context = DecodingError.Context(codingPath: c.codingPath + [key], debugDescription: c.debugDescription)
            reason = "required field missing"
        case .typeMismatch(let type, let c):
            context = c
            reason = "expected \(describe(type))"
        case .valueNotFound(let type, let c):
            context = c
            reason = "expected \(describe(type)), found null"
        case .dataCorrupted(let c):
            context = c
            reason = c.codingPath.isEmpty ? "malformed JSON" : c.debugDescription
        @unknown default:
            return BatchRejection(index: lineIndex ?? 0, code: .invalidEvent, message: "\(error)")
        }
        var path = context.codingPath
        var index = lineIndex
        if index == nil, let first = path.first, let position = first.intValue {
            index = position
            path.removeFirst()
        }
        let field = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        guard let index else {
            let message = path.isEmpty ? "malformed JSON: expected an array of events (\(reason))" : "\(field): \(reason)"
            return BatchRejection(index: 0, code: .invalidEvent, message: message)
        }
        return BatchRejection(index: index, code: .invalidEvent, message: "event \(index): \(field.isEmpty ? "" : field + ": ")\(reason)")
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if type == String.self { return "a string" }
        if type == Bool.self { return "true or false" }
        if type == Int.self || type == Int64.self || type == Double.self { return "a number" }
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "a value of type \(name)"
    }
}
