import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SluiceCore
import SluiceStore

/// Control streams: `/1.1/site/c/{stream_id}/…` changes and inspects an open Site Streams connection.
///
/// Requests are signed like the stream itself; a stream of another app is `404`, as if it did not exist.
/// `add_user` takes at most 100 ids per call and a connection carries at most 1,000 users (`413`
/// past either); users who never granted the app access are skipped, as at connect.
///
/// The stream may be held by another node: the request is then forwarded to it through the store's
/// cluster bus, executed there by its `ControlExecutor`, and its answer returned as is.
struct ControlStreamController {
    let executor: ControlExecutor
    let leases: NodeLeases
    let verifier: OAuthVerifier
    /// How to reach the node that holds a stream; nil on a single node.
    let clusterBus: (any ClusterBus)?
    let logger: Logger

    static let maxUsersPerCall = 100
    /// How long a forwarded request waits for the owning node's answer.
    static let forwardTimeout = Duration.seconds(5)

    func addRoutes(to router: Router<SluiceRequestContext>) {
        let group = router.group("1.1/site/c/{stream_id}")
        group.post("add_user.json", use: addUser)
        group.post("remove_user.json", use: removeUser)
        group.get("info.json", use: info)
        group.get("friends/ids.json", use: friends)
        group.post("friends/ids.json", use: friends)
    }

    /// A verified control request: the command's skeleton (app and stream) and its parameters.
    private func verified(
        _ request: Request, context: SluiceRequestContext, _ action: ControlCommand.Action, parameters known: Set<String> = []
    ) async throws -> (ControlCommand, [String: String]) {
        let body = try await request.body.collect(upTo: StreamRequest.maxBodyBytes)
        let signed = OAuthVerifier.SignedRequest(head: request.head, body: body)
        let app = try await verifier.verify(signed)
        var parameters: [String: String] = [:]
        for (name, value) in signed.query + signed.form where !name.hasPrefix("oauth_") {
            parameters[name] = parameters[name].map { $0 + "," + value } ?? value
        }
        try APIError.refuseUnknown(parameters: parameters.keys, known: known)
        return (ControlCommand(action: action, appID: app.id, streamID: try context.parameters.require("stream_id")), parameters)
    }

    private static func users(_ parameters: [String: String]) throws -> [Int64] {
        let ids = try SiteStreams.userIDs(parameters["user_id"] ?? "", parameter: "user_id")
        guard !ids.isEmpty else { throw APIError.badRequest("missing_parameter", "user_id is required: a comma list of user ids") }
        guard ids.count <= maxUsersPerCall else {
            throw APIError(.contentTooLarge, code: "too_many_users", message: "at most \(maxUsersPerCall) user ids per call")
        }
        return ids
    }

    @Sendable func addUser(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var (command, parameters) = try await verified(request, context: context, .addUser, parameters: ["user_id"])
        command.userIDs = try Self.users(parameters)
        return try await route(command)
    }

    @Sendable func removeUser(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var (command, parameters) = try await verified(request, context: context, .removeUser, parameters: ["user_id"])
        command.userIDs = try Self.users(parameters)
        return try await route(command)
    }

    @Sendable func info(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try await route(try await verified(request, context: context, .info).0)
    }

    /// Friends of one user the stream carries, a page at a time (cursors are offsets; -1 starts, 0 ends).
    @Sendable func friends(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var (command, parameters) = try await verified(request, context: context, .friends, parameters: ["user_id", "cursor"])
        guard let raw = parameters["user_id"] else {
            throw APIError.badRequest("missing_parameter", "user_id is required: one user id the stream carries")
        }
        guard let user = Int64(raw) else { throw APIError.badRequest("invalid_parameter", "user_id must be a user id") }
        guard let cursor = Int64(parameters["cursor"] ?? "-1"), cursor >= -1 else {
            throw APIError.badRequest("invalid_parameter", "cursor must be -1 or a next_cursor value")
        }
        command.userIDs = [user]
        command.cursor = cursor
        return try await route(command)
    }

    /// Executes `command` here if this node holds the stream, else on the node that does.
    private func route(_ command: ControlCommand) async throws -> Response {
        let reply: ControlReply
        if executor.holds(command) {
            reply = await executor.execute(command)
        } else if let node = try await leases.holder(of: command.streamID), node != leases.node,
            let bus = clusterBus
        {
            let answer = try await bus.forward(
                try JSONCoding.string(ClusterRequest.control(command)), from: leases.node, to: node, timeout: Self.forwardTimeout)
            reply = try JSONDecoder().decode(ControlReply.self, from: Data(answer.utf8))
        } else {
            throw ControlExecutor.unknownStream
        }
        return JSONResponse.ok(raw: reply.body, status: HTTPResponse.Status(code: reply.status))
    }
}
