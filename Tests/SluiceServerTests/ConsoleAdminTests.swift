import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// The admin endpoints the operator console reads (issue "The operator console"): what each answers,
/// and that each refuses what it should; the pages themselves are tested in a browser
/// (`Tests/Interop/test_console_pages.py`).
@Suite struct ConsoleAdminTests {
    let admin: HTTPFields = [.authorization: "Bearer \(TestApp.adminToken)"]

    static let consolePaths: [(HTTPRequest.Method, String)] = [
        (.get, "/v1/admin/connections"), (.delete, "/v1/admin/connections/conn_x"), (.post, "/v1/admin/keys/key_x/tokens"),
        (.get, "/v1/admin/apps/app_x/grants"), (.get, "/v1/admin/events"), (.get, "/v1/admin/stats/charts/throughput"),
    ]

    @Test func theConsolesEndpointsRefuseAMissingOrWrongToken() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            for (method, path) in Self.consolePaths {
                for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"]] {
                    try await client.execute(uri: path, method: method, headers: headers) {
                        #expect($0.status == .unauthorized, "\(method) \(path)")
                        #expect($0.errorCode == "unauthorized")
                    }
                }
            }
        }
    }

    /// The admin buys tokens under the key's own rules: the `stream` scope, not revoked, and the hourly
    /// allowance, which the key's own purchases share.
    @Test func anAdminTokenPurchaseKeepsTheKeysRules() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let keys = try await client.execute(uri: "/v1/admin/keys", method: .get, headers: admin) { $0.json?["keys"]?.array ?? [] }
            #expect(keys.isEmpty)
            let secret = try await client.createKey(["stream"])
            let ingestOnly = try await client.createKey(["ingest"], name: "ingest")
            let listed = try await client.execute(uri: "/v1/admin/keys", method: .get, headers: admin) { $0.json?["keys"]?.array ?? [] }
            func id(named name: String) -> String? {
                listed.first { $0["name"] == .string(name) }.flatMap { if case .string(let id)? = $0["id"] { id } else { nil } }
            }
            let keyID = try #require(id(named: "test"))
            let ingestID = try #require(id(named: "ingest"))
            _ = ingestOnly

            // Ten an hour (the documented default), the admin's and the key's own together.
            for _ in 0..<5 {
                try await client.execute(uri: "/v1/admin/keys/\(keyID)/tokens", method: .post, headers: admin) {
                    #expect($0.status == .created)
                    if case .string(let token)? = $0.json?["token"] { #expect(token.hasPrefix("st_")) } else { Issue.record("no token") }
                }
            }
            for _ in 0..<5 {
                try await client.execute(uri: "/sse/token", method: .post, headers: [.authorization: "Bearer \(secret)"]) {
                    #expect($0.status == .created)
                }
            }
            try await client.execute(uri: "/v1/admin/keys/\(keyID)/tokens", method: .post, headers: admin) {
                #expect($0.status == .tooManyRequests)
                #expect($0.errorCode == "token_rate_limited")
                #expect($0.headers[.retryAfter] != nil)
            }
            try await client.execute(uri: "/v1/admin/keys/\(ingestID)/tokens", method: .post, headers: admin) {
                #expect($0.status == .forbidden)
                #expect($0.errorCode == "forbidden")
            }
            try await client.execute(uri: "/v1/admin/keys/key_missing/tokens", method: .post, headers: admin) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/admin/keys/\(keyID)/tokens", method: .post, headers: admin, body: ByteBuffer(string: "{}")) {
                #expect($0.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v1/admin/keys/\(keyID)", method: .delete, headers: admin) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/admin/keys/\(keyID)/tokens", method: .post, headers: admin) {
                #expect($0.status == .conflict)
                #expect($0.errorCode == "key_revoked")
            }
        }
    }

    @Test func anAppsGrantsArePagedInUserOrder() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let ingest = try await client.createKey(["ingest"])
            let users = (1...5).map { #"{"type":"user_update","data":{"id":\#($0 * 10),"username":"u\#($0)"}}"# }
            #expect(try await client.post(events: "[" + users.joined(separator: ",") + "]", key: ingest).status == .ok)
            let appID = try await client.createApp("paged")
            for user in [30, 10, 50, 20, 40] {
                try await client.execute(
                    uri: "/v1/admin/apps/\(appID)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":\#(user)}"#)
                ) { #expect($0.status == .created) }
            }
            var seen: [Int64] = []
            var after: Int64 = 0
            for _ in 0..<5 {
                let page = try await client.execute(uri: "/v1/admin/apps/\(appID)/grants?after=\(after)&limit=2", method: .get, headers: admin) {
                    #expect($0.status == .ok)
                    return try #require($0.json)
                }
                seen += (page["user_ids"]?.array ?? []).compactMap { if case .int(let id) = $0 { id } else { nil } }
                guard case .int(let next)? = page["next_after"] else { break }
                after = next
            }
            #expect(seen == [10, 20, 30, 40, 50])
            for bad in ["limit=0", "limit=1001", "after=-1", "after=x", "cursor=1"] {
                try await client.execute(uri: "/v1/admin/apps/\(appID)/grants?\(bad)", method: .get, headers: admin) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
            try await client.execute(uri: "/v1/admin/apps/app_missing/grants", method: .get, headers: admin) { #expect($0.status == .notFound) }
        }
    }

    @Test func theChartsAreSVGWithoutScriptAndRefuseBadInput() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            for chart in ["throughput", "streams", "lag", "outbox"] {
                try await client.execute(uri: "/v1/admin/stats/charts/\(chart)?minutes=1", method: .get, headers: admin) {
                    #expect($0.status == .ok)
                    #expect($0.headers[.contentType] == "image/svg+xml")
                    #expect($0.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                    let svg = String(buffer: $0.body)
                    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(chart)")
                    #expect(!svg.contains("<script") && !svg.contains("href"), "\(chart)")
                }
            }
            try await client.execute(uri: "/v1/admin/stats/charts/nope", method: .get, headers: admin) {
                #expect($0.status == .notFound)
                #expect($0.errorCode == "not_found")
            }
            for bad in ["minutes=0", "minutes=11", "minutes=x", "width=3"] {
                try await client.execute(uri: "/v1/admin/stats/charts/lag?\(bad)", method: .get, headers: admin) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func theLogReadsForTheAdminAsForAReadKey() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let users = (1...3).map { #"{"type":"user_update","data":{"id":\#($0),"username":"u\#($0)"}}"# }
            #expect(try await client.post(events: "[" + users.joined(separator: ",") + "]", key: key).status == .ok)
            let asKey = try await client.readLog(after: 1, limit: 5, key: key)
            let asAdmin = try await client.execute(uri: "/v1/admin/events?after=1&limit=5", method: .get, headers: admin) {
                #expect($0.status == .ok)
                return try #require($0.json)
            }
            #expect(asAdmin == asKey)
            #expect(asAdmin["last_seq"] == .int(3))
            try await client.execute(uri: "/v1/admin/events?limit=0", method: .get, headers: admin) { #expect($0.status == .badRequest) }
        }
    }

    @Test func closingAStreamThatIsNotOpenIsNotFound() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/admin/connections", method: .get, headers: admin) {
                #expect($0.status == .ok)
                #expect($0.json?["connections"] == .array([]))
                #expect($0.json?["unreachable_nodes"] == .array([]))
                #expect($0.json?["nodes"]?.array.count == 1)
            }
            try await client.execute(uri: "/v1/admin/connections/conn_nope", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
                #expect($0.errorCode == "not_found")
            }
        }
    }

    /// The SDK's operator calls, end to end: a token bought for a key opens a stream, which the list
    /// shows with its filters and the close ends with `closed_by_operator`.
    @Test func theSDKListsAndClosesAStreamOpenedWithATokenTheAdminBought() async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            let key = try await server.admin.createKey(name: "viewer", scopes: ["stream"])
            let token = try await server.admin.streamToken(forKey: key.id)
            let probe = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(token)&keywords=swift")
            try await probe.connected()
            let (open, unreachable) = try await server.admin.connections()
            #expect(unreachable.isEmpty)
            let stream = try #require(open.first)
            #expect(open.count == 1 && stream.api == "private_sse" && stream.keyID == key.id)
            #expect(stream.filters == .object(["keywords": .array([.string("swift")])]))
            #expect(!"\(stream)".contains(token), "the list never shows a stream token")
            try await server.admin.closeConnection(id: stream.id)
            try await probe.wait("closed_by_operator") { $0.statuses.contains { $0["reason"] == .string("closed_by_operator") } }
            try await probe.wait("the end") { $0.ended }
            let refusal = await #expect(throws: SluiceAPIError.self) { try await server.admin.closeConnection(id: stream.id) }
            #expect(refusal?.status == 404)
        }
    }
}
