import Foundation
import Logging
import SluiceCore
import SluiceStore

/// Executes control commands on the streams this node holds; the same code answers requests that
/// arrived here and requests forwarded by other nodes.
struct ControlExecutor: Sendable {
    let store: any SiteApps
    let hub: SiteStreamHub
    let logger: Logger

    static let unknownStream = APIError.notFound("no open stream with this id for this app")

    /// Whether the stream is open on this node and belongs to the command's app.
    func holds(_ command: ControlCommand) -> Bool {
        (try? hub.info(command.streamID, appID: command.appID)) != nil
    }

    func execute(_ command: ControlCommand) async -> ControlReply {
        do {
            let body: JSONValue =
                switch command.action {
                case .addUser: try await addUsers(command)
                case .removeUser: try removeUsers(command)
                case .info: try info(command)
                case .friends: try friends(command)
                }
            return ControlReply(status: 200, body: try JSONCoding.string(body))
        } catch let error as APIError {
            return Self.reply(error)
        } catch {
            logger.error("control request failed", metadata: ["error": "\(error)"])
            return Self.reply(APIError.storeUnavailable("\(error)"))
        }
    }

    static func reply(_ error: APIError) -> ControlReply {
        ControlReply(status: Int(error.status.code), body: (try? error.json()) ?? "{}")
    }

    private static func controlError(_ error: SiteStreamHub.ControlError) -> APIError {
        switch error {
        case .unknownStream: unknownStream
        case .tooManyUsers(let limit):
            APIError(.contentTooLarge, code: "too_many_users", message: "a stream carries at most \(limit) users; remove some first")
        }
    }

    private func addUsers(_ command: ControlCommand) async throws -> JSONValue {
        // Check the stream before looking up grants, so a wrong id is 404 whatever the users.
        do { _ = try hub.info(command.streamID, appID: command.appID) } catch { throw Self.controlError(error) }
        let requested = command.userIDs
        // Taken before the grants are read: a revocation landing in between keeps the user off the stream.
        let mark = hub.revocationMark()
        let granted = try await store.grantedUsers(appID: command.appID, among: Set(requested))
        var seen = Set<Int64>()
        let added = requested.filter { granted.contains($0) && seen.insert($0).inserted }
        do { try hub.addUsers(added, to: command.streamID, appID: command.appID, checkedSince: mark) } catch { throw Self.controlError(error) }
        return .object(["added": .array(added.map { .int($0) }), "skipped": .array(requested.filter { !granted.contains($0) }.map { .int($0) })])
    }

    private func removeUsers(_ command: ControlCommand) throws -> JSONValue {
        do { try hub.removeUsers(command.userIDs, from: command.streamID, appID: command.appID) } catch { throw Self.controlError(error) }
        return .object(["removed": .array(command.userIDs.map { .int($0) })])
    }

    private func info(_ command: ControlCommand) throws -> JSONValue {
        let info: SiteStreamHub.Info
        do { info = try hub.info(command.streamID, appID: command.appID) } catch { throw Self.controlError(error) }
        let connection = info.connection
        let users: [JSONValue] = info.users.map { entry in
            .object([
                "id": .int(entry.id), "id_str": .string(String(entry.id)),
                "name": entry.user.map { .string($0.username) } ?? .null,
                // Direct messages reach every user a stream carries.
                "dm": .bool(true),
            ])
        }
        return .object([
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
    }

    private func friends(_ command: ControlCommand) throws -> JSONValue {
        guard let user = command.userIDs.first else { throw APIError.badRequest("missing_parameter", "user_id is required") }
        let found: (User?, [Int64])?
        do { found = try hub.friends(of: user, on: command.streamID, appID: command.appID) } catch { throw Self.controlError(error) }
        guard let (profile, ids) = found else { throw APIError.notFound("the stream does not carry user \(user)") }
        let pageSize = 5000
        let start = Int(max(0, command.cursor))
        let page = ids.dropFirst(start).prefix(pageSize)
        let next = start + page.count < ids.count ? Int64(start + page.count) : 0
        // friends_count is the list this answer pages through (the follow graph Sluice holds), whatever
        // count the platform last published in the profile.
        var userObject: JSONValue = profile.map { TwitterMessage.user($0) } ?? .object(["id": .int(user), "id_str": .string(String(user))])
        if case .object(var fields) = userObject {
            fields["friends_count"] = .int(Int64(ids.count))
            userObject = .object(fields)
        }
        return .object([
            "follow": .object(["user": userObject, "friends": .array(page.map { .int($0) })]),
            "previous_cursor": .int(start == 0 ? 0 : -Int64(start)), "next_cursor": .int(next),
            "previous_cursor_str": .string(String(start == 0 ? 0 : -start)), "next_cursor_str": .string(String(next)),
        ])
    }
}
