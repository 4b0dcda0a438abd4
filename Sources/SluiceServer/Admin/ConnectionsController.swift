import Foundation
import Hummingbird
import Logging
import SluiceAPI
import SluiceCore
import SluiceStore

/// `GET /v1/admin/connections`, `DELETE /v1/admin/connections/{id}`: the open streams of every node,
/// and closing one. With a shared store, the other nodes are asked over the cluster bus: those heard
/// in the last seconds (`ClusterView`) and those holding live leases (a node that stopped answering
/// still holds its streams' places until its leases run out). A node that does not answer in time is
/// named in `unreachable_nodes` rather than failing the list.
struct ConnectionsController {
    let openStreams: OpenStreams
    let leases: NodeLeases
    let bus: (any ClusterBus)?
    let view: ClusterView
    let logger: Logger
    static let forwardTimeout: Duration = .seconds(2)

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get(use: list)
        group.delete("{id}", use: close)
    }

    struct Listing: Encodable {
        var connections: [ConnectionDescription]
        var nodes: [String]
        var unreachableNodes: [String]
        enum CodingKeys: String, CodingKey {
            case connections, nodes
            case unreachableNodes = "unreachable_nodes"
        }
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        var listing = Listing(connections: openStreams.list(), nodes: [openStreams.node], unreachableNodes: [])
        if let bus {
            // If the leases cannot be read, the nodes heard from are still asked.
            let holders = (try? await leases.holders()) ?? []
            let others = Set(view.current().map(\.node)).union(holders).subtracting([openStreams.node]).sorted()
            let answers = await withTaskGroup(of: (String, [ConnectionDescription]?).self) { group in
                for node in others {
                    group.addTask { (node, await self.remoteList(node, bus: bus)) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (node, connections) in answers.sorted(by: { $0.0 < $1.0 }) {
                if let connections {
                    listing.nodes.append(node)
                    listing.connections += connections
                } else {
                    listing.unreachableNodes.append(node)
                }
            }
        }
        var response = try JSONResponse.ok(listing)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func remoteList(_ node: String, bus: any ClusterBus) async -> [ConnectionDescription]? {
        do {
            let answer = try await bus.forward(
                try JSONCoding.string(ClusterRequest.listConnections), from: openStreams.node, to: node, timeout: Self.forwardTimeout)
            let reply = try JSONDecoder().decode(ControlReply.self, from: Data(answer.utf8))
            return try JSONDecoder().decode([ConnectionDescription].self, from: Data(reply.body.utf8))
        } catch {
            logger.warning("a node did not list its connections", metadata: ["node": "\(node)", "error": "\(error)"])
            return nil
        }
    }

    /// Ends the stream with the reason its API gives for an operator's close, on whichever node holds it.
    @Sendable func close(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let notFound = APIError.notFound("no open stream \(id)")
        if !openStreams.close(id: id) {
            guard let bus, let node = try await leases.holder(of: id), node != openStreams.node else { throw notFound }
            let answer: String
            do {
                answer = try await bus.forward(
                    try JSONCoding.string(ClusterRequest.closeConnection(id: id)), from: openStreams.node, to: node, timeout: Self.forwardTimeout)
            } catch StoreError.unavailable {
                throw APIError(
                    .serviceUnavailable, code: "node_unreachable",
                    message: "node \(node), which holds stream \(id), did not answer; its leases end the stream within a lease period if it is gone",
                    retryAfterSeconds: 1)
            }
            guard try JSONDecoder().decode(ControlReply.self, from: Data(answer.utf8)).status == 200 else { throw notFound }
        }
        return try JSONResponse.ok(["closed": id])
    }
}
