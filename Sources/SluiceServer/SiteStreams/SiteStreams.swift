import Foundation
import HTTPTypes
import Logging
import NIOCore
import SluiceCore
import SluiceStore

/// `GET|POST /1.1/site.json`: checks a Site Streams request (OAuth, parameters, the app's connection
/// rate, the users' grants) and opens the multiplexed stream.
///
/// Errors use the status codes Twitter used on these endpoints (401, 406, 413, 420, 503), with
/// Sluice's JSON error body.
struct SiteStreams: StreamEndpoint {
    let store: any SiteApps & SharedLimits
    let hub: SiteStreamHub
    let leases: NodeLeases
    let verifier: OAuthVerifier
    /// New connections per app within any second, counted across every node.
    let connectsPerSecond: Int
    let outboxBytes: Int
    let logger: Logger

    static let path = "/1.1/site.json"
    /// Most users named by `follow` when connecting; more are added with control streams.
    static let maxFollowAtConnect = 100
    static let parameters: Set<String> = ["follow", "with", "replies", "stringify_friend_ids", "delimited", "stall_warnings"]
    /// Filter parameters of Twitter's other streams, which Site Streams does not take.
    static let filterParameters: Set<String> = ["track", "locations", "language", "count", "filter_level"]

    func serves(_ path: Substring) -> Bool { path == Self.path }

    /// A body is read only if it may matter: one declared larger than a stream request takes is
    /// refused at once (413), and so is a body without credentials in the `Authorization` header or the
    /// query that is not a form, which alone could carry them (RFC 5849 allows OAuth parameters there).
    func refusal(beforeBody head: HTTPRequest) -> APIError? {
        let length = head.headerFields[.contentLength].flatMap { Int($0) }
        guard length.map({ $0 > 0 }) ?? (head.headerFields[.transferEncoding] != nil) else { return nil }
        if let length, length > StreamRequest.maxBodyBytes { return StreamRequest.bodyTooLarge }
        let isForm = head.headerFields[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        let header = head.headerFields[.authorization].flatMap {
            $0.lowercased().hasPrefix("oauth ") ? OAuth1Signature.parseAuthorizationHeader($0) : nil
        }
        let query = QueryString.pairs(QueryString.query(of: head.path ?? ""))
        guard isForm || ((header ?? []) + query).contains(where: { $0.0 == "oauth_consumer_key" && !$0.1.isEmpty }) else {
            return OAuthVerifier.unauthorized("sign the request (oauth_consumer_key is missing from the Authorization header and the query)")
        }
        return nil
    }

    /// What a valid request asks for.
    struct Options: Sendable {
        var follow: [Int64]
        var rules: SiteStreamRules.Options
        var stringifyFriendIDs: Bool
        var format: SiteStreamFormat
        var stallWarnings: Bool
    }

    func admit(_ request: StreamRequest) async -> Result<any StreamAdmission, APIError> {
        do {
            return .success(try await checkedAdmission(request))
        } catch let error as APIError {
            return .failure(error)
        } catch is CancellationError {
            // The client left while it was being admitted: nothing failed.
            return .failure(APIError(.serviceUnavailable, code: "unavailable", message: "the connection closed", retryAfterSeconds: 1))
        } catch {
            logger.error("site stream admission failed", metadata: ["error": "\(error)"])
            return .failure(APIError(.serviceUnavailable, code: "unavailable", message: "try again later", retryAfterSeconds: 1))
        }
    }

    private func checkedAdmission(_ request: StreamRequest) async throws -> Admitted {
        guard request.head.method == .get || request.head.method == .post else {
            throw APIError(.methodNotAllowed, code: "method_not_allowed", message: "site streams are opened with GET or POST", allow: "GET, POST")
        }
        let signed = OAuthVerifier.SignedRequest(head: request.head, body: request.body)
        let app = try await verifier.verify(signed)
        let parameters = (signed.query + signed.form).filter { !$0.0.hasPrefix("oauth_") }
        let accept = request.head.headerFields[.accept] ?? ""
        let options = try Self.options(parameters, acceptsEventStream: accept.contains("text/event-stream"))
        if let wait = try await store.admit(scope: "connects:\(app.id)", limit: connectsPerSecond, window: 1, at: store.clock.now()) {
            throw APIError(
                HTTPResponse.Status(code: 420, reasonPhrase: "Enhance Your Calm"), code: "enhance_your_calm",
                message: "this app opened \(connectsPerSecond) connections in the last second; back off exponentially before reconnecting",
                retryAfterSeconds: max(1, Int(wait.rounded(.up))))
        }
        // Taken before the grants are read: a revocation landing in between keeps the user off the stream.
        let mark = hub.revocationMark()
        let granted = try await store.grantedUsers(appID: app.id, among: Set(options.follow))
        // Users who never granted the app access (or do not exist) are skipped silently, as Twitter did.
        var seen = Set<Int64>()
        let users = options.follow.filter { granted.contains($0) && seen.insert($0).inserted }
        // Registered cluster-wide, so a control request reaching any node finds the node that holds it.
        let streamID = Secret.generate(prefix: "", bytes: 16)
        _ = try await leases.acquire(id: streamID, scope: "site-stream:\(app.id)", limit: .max)
        return Admitted(
            hub: hub, leases: leases, streamID: streamID, appID: app.id, users: users, grantsReadSince: mark, options: options,
            outboxBytes: outboxBytes)
    }

    static func options(_ parameters: [(String, String)], acceptsEventStream: Bool) throws -> Options {
        var values: [String: String] = [:]
        for (name, value) in parameters {
            if filterParameters.contains(name) {
                throw APIError(
                    .notAcceptable, code: "not_acceptable",
                    message: "\(name) filters Twitter's other streams; Site Streams take \(Self.parameters.sorted().joined(separator: ", "))")
            }
            try APIError.refuseUnknown(parameters: [name], known: Self.parameters)
            values[name] = values[name].map { $0 + "," + value } ?? value
        }
        let follow = try userIDs(values["follow"] ?? "", parameter: "follow")
        guard !follow.isEmpty else { throw APIError.badRequest("missing_parameter", "follow is required: a comma list of 1 to 100 user ids") }
        guard follow.count <= maxFollowAtConnect else {
            throw APIError(
                .contentTooLarge, code: "too_many_users",
                message: "follow takes at most \(maxFollowAtConnect) user ids; add more with the control stream's add_user")
        }
        let followings: Bool
        switch values["with"]?.lowercased() ?? "user" {
        case "user": followings = false
        case "followings": followings = true
        default: throw APIError.badRequest("invalid_parameter", "with must be user or followings")
        }
        if let replies = values["replies"], replies != "all" { throw APIError.badRequest("invalid_parameter", "replies must be all") }
        if let delimited = values["delimited"], delimited != "length" { throw APIError.badRequest("invalid_parameter", "delimited must be length") }
        return Options(
            follow: follow, rules: .init(followings: followings, repliesAll: values["replies"] == "all"),
            stringifyFriendIDs: try flag(values, "stringify_friend_ids"),
            format: acceptsEventStream ? .sse : values["delimited"] == "length" ? .length : .newline,
            stallWarnings: try flag(values, "stall_warnings"))
    }

    static func flag(_ values: [String: String], _ name: String) throws -> Bool {
        guard let raw = values[name] else { return false }
        guard let value = Bool(raw.lowercased()) else { throw APIError.badRequest("invalid_parameter", "\(name) must be true or false") }
        return value
    }

    /// A comma list of user ids (`follow`, `user_id`).
    static func userIDs(_ raw: String, parameter: String) throws -> [Int64] {
        try raw.split(separator: ",", omittingEmptySubsequences: true).map { part in
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw APIError.badRequest("invalid_parameter", "\(parameter) must be a comma list of user ids; \"\(part.prefix(30))\" is not one")
            }
            return id
        }
    }

    /// An admitted Site Streams request, ready to open.
    struct Admitted: StreamAdmission {
        let hub: SiteStreamHub
        let leases: NodeLeases
        let streamID: String
        let appID: String
        let users: [Int64]
        let grantsReadSince: RevocationLog.Mark
        let options: Options
        let outboxBytes: Int

        func open(wake: @escaping @Sendable () -> Void) -> OpenStream {
            hub.counters.add(.opened)
            let connection = SiteStreamConnection(
                id: streamID, appID: appID, options: options.rules,
                stringifyFriendIDs: options.stringifyFriendIDs, format: options.format, stallWarnings: options.stallWarnings,
                outboxLimit: outboxBytes, counters: hub.counters, wake: wake)
            let head = HTTPResponse.stream(
                contentType: options.format == .sse ? "text/event-stream; charset=utf-8" : "application/json; charset=utf-8")
            // A keep-alive before the first message, as Twitter sent, so clients see the stream is live.
            connection.push(options.format.keepalive)
            let hub = self.hub
            let leases = self.leases
            let streamID = self.streamID
            let lost = { @Sendable in
                connection.close(.shedLoad, reason: "this server lost touch with the cluster and may no longer hold the stream; reconnect")
            }
            // Carries nothing if its place was lost (fenced) since admission.
            if leases.attach(id: streamID, onLost: lost) {
                hub.open(connection, users: users, checkedSince: grantsReadSince)
            } else {
                lost()
            }
            return OpenStream(
                head: head, outbox: connection.outbox,
                quiesce: { connection.close(.shutdown, reason: "the server is shutting down; reconnect") },
                finish: {
                    hub.remove(connection)
                    leases.release(id: streamID)
                },
                run: nil)
        }

        func abandon() {
            leases.release(id: streamID)
        }
    }
}
