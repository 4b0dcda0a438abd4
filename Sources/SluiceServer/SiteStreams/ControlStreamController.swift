import Foundation
import HTTPTypes
import Hummingbird
import SluiceCore
import SluiceStore

/// Control streams: `/1.1/site/c/{stream_id}/…` changes and inspects an open Site Streams connection.
///
/// Requests are signed like the stream itself; a stream of another app is `404`, as if it did not exist.
/// `add_user` takes at most 100 ids per call and a connection carries at most 1,000 users (`413`
/// past either); users who never granted the app access are skipped, as at connect.
struct ControlStreamController {
    let store: any Store
    let hub: SiteStreamHub
    let verifier: OAuthVerifier

    static let maxUsersPerCall = 100

    func addRoutes(to router: Router<SluiceRequestContext>) {
        let group = router.group("1.1/site/c/{stream_id}")
        group.post("add_user.json", use: addUser)
        group.post("remove_user.json", use: removeUser)
        group.get("info.json", use: info)
        group.get("friends/ids.json", use: friends)
        group.post("friends/ids.json", use: friends)
    }

    /// A verified control request: the app, its stream id and its parameters.
    private func verified(_ request: Request, context: SluiceRequestContext) async throws -> (SiteApp, String, [String: String]) {
        let body = try await request.body.collect(upTo: StreamRequest.maxBodyBytes)
        let signed = OAuthVerifier.SignedRequest(head: request.head, body: body)
        let app = try await verifier.verify(signed)
        var parameters: [String: String] = [:]
        for (name, value) in signed.query + signed.form where !name.hasPrefix("oauth_") {
            parameters[name] = parameters[name].map { $0 + "," + value } ?? value
        }
        return (app, try context.parameters.require("stream_id"), parameters)
    }

    private static func users(_ parameters: [String: String]) throws -> [Int64] {
        let ids = try SiteStreams.userIDs(parameters["user_id"] ?? "", parameter: "user_id")
        guard !ids.isEmpty else { throw APIError.badRequest("missing_parameter", "user_id is required: a comma list of user ids") }
        guard ids.count <= maxUsersPerCall else {
            throw APIError(.contentTooLarge, code: "too_many_users", message: "at most \(maxUsersPerCall) user ids per call")
        }
        return ids
    }

    private static func controlError(_ error: SiteStreamHub.ControlError) -> APIError {
        switch error {
        case .unknownStream: APIError.notFound("no open stream with this id for this app")
        case .tooManyUsers(let limit):
            APIError(.contentTooLarge, code: "too_many_users", message: "a stream carries at most \(limit) users; remove some first")
        }
    }

    @Sendable func addUser(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (app, streamID, parameters) = try await verified(request, context: context)
        let requested = try Self.users(parameters)
        // Check the stream before looking up grants, so a wrong id is 404 whatever the users.
        do { _ = try hub.info(streamID, appID: app.id) } catch { throw Self.controlError(error) }
        let granted = try await store.grantedUsers(appID: app.id, among: Set(requested))
        var seen = Set<Int64>()
        let added = requested.filter { granted.contains($0) && seen.insert($0).inserted }
        do { try hub.addUsers(added, to: streamID, appID: app.id) } catch { throw Self.controlError(error) }
        return try JSONResponse.ok(["added": added, "skipped": requested.filter { !granted.contains($0) }])
    }

    @Sendable func removeUser(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (app, streamID, parameters) = try await verified(request, context: context)
        let users = try Self.users(parameters)
        do { try hub.removeUsers(users, from: streamID, appID: app.id) } catch { throw Self.controlError(error) }
        return try JSONResponse.ok(["removed": users])
    }

    @Sendable func info(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (app, streamID, _) = try await verified(request, context: context)
        let info: SiteStreamHub.Info
        do { info = try hub.info(streamID, appID: app.id) } catch { throw Self.controlError(error) }
        let connection = info.connection
        let users: [JSONValue] = info.users.map { entry in
            .object([
                "id": .int(entry.id), "id_str": .string(String(entry.id)),
                "name": entry.user.map { .string($0.username) } ?? .null,
                // Direct messages reach every user a stream carries.
                "dm": .bool(true),
            ])
        }
        let body: JSONValue = .object([
            "info": .object([
                "users": .array(users),
                "delimited": .string(connection.format == .length ? "length" : "none"),
                "with": .string(connection.options.followings ? "followings" : "user"),
                "replies": .string(connection.options.repliesAll ? "all" : "none"),
                "stall_warnings": .bool(connection.stallWarnings),
                "stringify_friend_ids": .bool(connection.stringifyFriendIDs),
                "control_uri": .string(connection.controlURI),
            ])
        ])
        return try JSONResponse.ok(body)
    }

    /// Friends of one user the stream carries, a page at a time (cursors are offsets; -1 starts, 0 ends).
    @Sendable func friends(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let (app, streamID, parameters) = try await verified(request, context: context)
        guard let raw = parameters["user_id"], let user = Int64(raw) else {
            throw APIError.badRequest("missing_parameter", "user_id is required: one user id the stream carries")
        }
        guard let cursor = Int64(parameters["cursor"] ?? "-1"), cursor >= -1 else {
            throw APIError.badRequest("invalid_parameter", "cursor must be -1 or a next_cursor value")
        }
        let found: (User?, [Int64])?
        do { found = try hub.friends(of: user, on: streamID, appID: app.id) } catch { throw Self.controlError(error) }
        guard let (profile, ids) = found else { throw APIError.notFound("the stream does not carry user \(user)") }
        let pageSize = 5000
        let start = Int(max(0, cursor))
        let page = ids.dropFirst(start).prefix(pageSize)
        let next = start + page.count < ids.count ? Int64(start + page.count) : 0
        let userObject: JSONValue = profile.map { TwitterMessage.user($0) } ?? .object(["id": .int(user), "id_str": .string(String(user))])
        let body: JSONValue = .object([
            "follow": .object(["user": userObject, "friends": .array(page.map { .int($0) })]),
            "previous_cursor": .int(start == 0 ? 0 : -Int64(start)), "next_cursor": .int(next),
            "previous_cursor_str": .string(String(start == 0 ? 0 : -start)), "next_cursor_str": .string(String(next)),
        ])
        return try JSONResponse.ok(body)
    }
}
