import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceStore

/// `POST /v1/events` (publish a batch, `ingest` keys) and `GET /v1/events` (read the log, `read` keys).
struct IngestController {
    let ingest: EventIngest
    let store: any EventLog & Credentials
    let maxBodyBytes: Int

    /// Events returned by one read at most.
    static let maxReadLimit = 1000

    /// Publishing needs the `ingest` scope; reading, `read`.
    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        // A group's middleware applies to all its routes: one group per scope.
        group.group().add(middleware: APIKeyMiddleware(store: store, scope: .ingest)).post(use: publish)
        group.group().add(middleware: APIKeyMiddleware(store: store, scope: .read)).get(use: read)
    }

    @Sendable func publish(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let format: EventBatchParser.Format =
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-ndjson") == true ? .ndjson : .jsonArray
        let metrics = ingest.metrics
        let key: String?
        do {
            key = try Self.idempotencyKey(request.headers[Self.idempotencyKeyHeader])
        } catch {
            metrics?.ingestRefused(code: "invalid_idempotency_key")
            throw error
        }
        // A body declared too large is refused before a byte of it is read.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            metrics?.ingestRefused(code: "payload_too_large")
            throw ErrorMiddleware<SluiceRequestContext>.translate(status: .contentTooLarge, detail: nil)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch let error as NIOTooManyBytesError {
            metrics?.ingestRefused(code: "payload_too_large")
            throw error
        }
        let appended: Appended
        do {
            let events = try EventBatchParser.parse(Data(buffer: body), format: format)
            let idempotency = key.map {
                IdempotencyKey(scope: context.apiKey?.id ?? "", key: $0, fingerprint: Self.fingerprint(format: format, body: body))
            }
            appended = try await ingest.publish(events, idempotency: idempotency)
        } catch let rejection as BatchRejection {
            ingest.metrics?.ingestRefused(code: rejection.code.rawValue)
            throw APIError.badRequest(rejection.code.rawValue, rejection.message, index: rejection.index)
        } catch StoreError.rejected(let rejection) where rejection.code == .eventTooLarge {
            throw APIError(.contentTooLarge, code: rejection.code.rawValue, message: rejection.message, index: rejection.index)
        } catch StoreError.rejected(let rejection) {
            throw APIError.badRequest(rejection.code.rawValue, "event \(rejection.index): \(rejection.message)", index: rejection.index)
        } catch StoreError.idempotencyKeyReused {
            throw APIError(
                .unprocessableContent, code: "idempotency_key_reused",
                message: "this Idempotency-Key was used in the last 24 hours with a different request; use a new key for a new batch")
        }
        let range = appended.range
        var response = try JSONResponse.ok(Accepted(accepted: range.count, firstSeq: range.lowerBound, lastSeq: range.upperBound))
        if appended.replayed { response.headers[Self.replayedHeader] = "true" }
        return response
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// An `Idempotency-Key`: 1 to 255 visible ASCII characters (a UUID is usual).
    static func idempotencyKey(_ value: String?) throws -> String? {
        guard let value else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError.badRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        return value
    }

    /// What makes two requests the same for a key: the body's bytes and how they are to be read.
    static func fingerprint(format: EventBatchParser.Format, body: ByteBuffer) -> String {
        var hash = SHA256()
        hash.update(data: Array((format == .ndjson ? "ndjson\n" : "json\n").utf8))
        body.withUnsafeReadableBytes { hash.update(bufferPointer: $0) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    @Sendable func read(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let query = QueryString.parse(request.uri.string)
        let after = try APIError.integerParameter(query["after"], name: "after", default: 0, range: 0...Int64.max)
        let limit = try APIError.integerParameter(query["limit"], name: "limit", default: 100, range: 1...Int64(Self.maxReadLimit))
        let events = try await store.events(after: after, limit: Int(limit))
        let last = events.last?.sequence ?? after
        // The stored data is already canonical JSON: splice it rather than decode and re-encode.
        var json = #"{"events":["#
        json += events.map(\.json).joined(separator: ",")
        json += #"],"last_seq":\#(last)}"#
        return JSONResponse.ok(raw: json)
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
