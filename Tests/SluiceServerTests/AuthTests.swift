import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct AuthTests {
    let batch = #"[{"type":"user_update","data":{"id":1,"username":"alice"}}]"#

    @Test func ingestNeedsALiveKeyWithTheIngestScope() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let streamOnly = try await client.createKey(["stream"])
            let ingest = try await client.createKey(["ingest"])

            let missing = try await client.post(events: batch, key: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCode == "unauthorized")
            #expect(try await client.post(events: batch, key: "sk_not_a_real_key").status == .unauthorized)
            let wrongScope = try await client.post(events: batch, key: streamOnly)
            #expect(wrongScope.status == .forbidden)
            #expect(wrongScope.errorCode == "forbidden")
            try await client.execute(uri: "/v1/events", method: .get, headers: [.authorization: "Basic abc"]) {
                #expect($0.status == .unauthorized)
            }
            #expect(try await client.post(events: batch, key: ingest).status == .ok)

            // Revoking takes effect on the next request.
            let keys = try await client.execute(uri: "/v1/admin/keys", method: .get, headers: [.authorization: "Bearer \(TestApp.adminToken)"]) {
                $0.json?["keys"]?.array ?? []
            }
            #expect(keys.count == 2)
            #expect(keys.allSatisfy { $0["key"] == nil }, "listings never show secrets")
            guard case .string(let id)? = keys.first(where: { $0["scopes"] == .array([.string("ingest")]) })?["id"] else {
                Issue.record("ingest key not listed")
                return
            }
            try await client.execute(uri: "/v1/admin/keys/\(id)", method: .delete, headers: [.authorization: "Bearer \(TestApp.adminToken)"]) {
                #expect($0.status == .ok)
                #expect($0.json?["revoked_at"] != nil)
            }
            let revoked = try await client.post(events: batch, key: ingest)
            #expect(revoked.status == .unauthorized)
            #expect(try await client.readLog(key: try await client.createKey(["read"]))["last_seq"] == .int(1))
            // Publishing does not let a key read the log: it holds DMs and protected tweets.
            let publisher = try await client.createKey(["ingest"])
            try await client.execute(uri: "/v1/events", method: .get, headers: [.authorization: "Bearer \(publisher)"]) {
                #expect($0.status == .forbidden)
                #expect($0.errorCode == "forbidden")
            }
        }
    }

    @Test func adminAPIRefusesBadCredentialsAndBadRequests() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let create = ByteBuffer(string: #"{"name":"x","scopes":["ingest"]}"#)
            for auth in [nil, "Bearer wrong", "Bearer \(TestApp.adminToken)x"] {
                var headers: HTTPFields = [:]
                if let auth { headers[.authorization] = auth }
                try await client.execute(uri: "/v1/admin/keys", method: .post, headers: headers, body: create) {
                    #expect($0.status == .unauthorized)
                }
            }
            let admin: HTTPFields = [.authorization: "Bearer \(TestApp.adminToken)"]
            for body in [
                #"{"name":"x","scopes":["root"]}"#, #"{"name":"","scopes":["ingest"]}"#, #"{"name":"x","scopes":[]}"#,
                #"{"scopes":["ingest"]}"#, "nope", #"{"name":"x","scopes":["stream"],"limits":{"max_connections":0}}"#,
            ] {
                try await client.execute(uri: "/v1/admin/keys", method: .post, headers: admin, body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest, "\(body)")
                    #expect($0.errorCode == "invalid_request")
                }
            }
            try await client.execute(uri: "/v1/admin/keys/key_missing", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
                #expect($0.errorCode == "not_found")
            }
            try await client.execute(
                uri: "/v1/admin/keys", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"name":"custom","scopes":["stream"],"limits":{"max_connections":7}}"#)
            ) {
                #expect($0.status == .created)
                #expect($0.json?["limits"]?["max_connections"] == .int(7))
                #expect($0.json?["limits"]?["events_per_second"] == .int(5), "unspecified limits take the defaults")
            }
        }
    }

    @Test func adminAPIIsOffWithoutAToken() async throws {
        let app = try await TestApp.build(adminToken: nil)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/admin/keys", method: .get, headers: [.authorization: "Bearer anything"]) {
                #expect($0.status == .forbidden)
                #expect($0.errorCode == "admin_disabled")
            }
        }
    }
}
