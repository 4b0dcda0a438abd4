import Foundation
import Hummingbird
import NIOCore
import SluiceCore
import SluiceStore

/// `POST /v1/events` (publish a batch) and `GET /v1/events` (read the log), both for `ingest` keys.
struct IngestController {
    let ingest: EventIngest
    let store: any Store
    let maxBodyBytes: Int

    /// Events returned by one read at most.
    static let maxReadLimit = 1000

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.post(use: publish)
        group.get(use: read)
    }

    @Sendable func publish(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let format: EventBatchParser.Format =
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-ndjson") == true ? .ndjson : .jsonArray
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let range: ClosedRange<Int64>
        do {
            let events = try EventBatchParser.parse(Data(buffer: body), format: format)
            range = try await ingest.publish(events)
        } catch let rejection as BatchRejection {
            throw APIError.badRequest(rejection.code.rawValue, rejection.message, index: rejection.index)
        } catch StoreError.rejected(let rejection) {
            throw APIError.badRequest(rejection.code.rawValue, "event \(rejection.index): \(rejection.message)", index: rejection.index)
        }
        return try JSONResponse.ok(Accepted(accepted: range.count, firstSeq: range.lowerBound, lastSeq: range.upperBound))
    }

    @Sendable func read(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.integer(query["after"], name: "after", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(query["limit"], name: "limit", default: 100, range: 1...Int64(Self.maxReadLimit))
        let events = try await store.events(after: after, limit: Int(limit))
        let last = events.last?.sequence ?? after
        // The stored data is already canonical JSON: splice it rather than decode and re-encode.
        var json = #"{"events":["#
        json += events.map(\.json).joined(separator: ",")
        json += #"],"last_seq":\#(last)}"#
        return JSONResponse.ok(raw: json)
    }

    static func integer(_ value: Substring?, name: String, default fallback: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let value else { return fallback }
        guard let number = Int64(value), range.contains(number) else {
            throw APIError.badRequest(
                "invalid_parameter", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    struct Accepted: Codable {
        var accepted: Int
        var firstSeq: Int64
        var lastSeq: Int64
        enum CodingKeys: String, CodingKey {
            case accepted
            case firstSeq = "first_seq"
            case lastSeq = "last_seq"
        }
    }
}
