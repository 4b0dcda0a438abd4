import Foundation
import SluiceAPI
import SluiceCore

/// What one node asks another over the cluster bus (`ClusterBus.forward`): a control request for a
/// Site Streams connection the other node holds, or the operator's list or close of its streams.
enum ClusterRequest: Codable, Sendable, Equatable {
    case control(ControlCommand)
    case listConnections
    case closeConnection(id: String)
}

/// Answers the requests other nodes forward to this one.
struct ClusterRequestHandler: Sendable {
    let executor: ControlExecutor
    let openStreams: OpenStreams

    /// A forwarded request, as JSON, answered as JSON (a `ControlReply`: status and body).
    func answer(json: String) async -> String {
        let reply: ControlReply
        switch try? JSONDecoder().decode(ClusterRequest.self, from: Data(json.utf8)) {
        case .control(let command):
            reply = await executor.execute(command)
        case .listConnections:
            reply = ControlReply(status: 200, body: (try? JSONCoding.string(openStreams.list())) ?? "[]")
        case .closeConnection(let id):
            reply = openStreams.close(id: id) ? ControlReply(status: 200, body: "{}") : ControlReply(status: 404, body: "{}")
        case nil:
            reply = ControlExecutor.reply(APIError.badRequest("invalid_control_request", "the forwarded request could not be read"))
        }
        return (try? JSONCoding.string(reply)) ?? #"{"status":500,"body":"{}"}"#
    }
}
