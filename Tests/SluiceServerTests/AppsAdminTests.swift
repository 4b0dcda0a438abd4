import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct AppsAdminTests {
    let admin: HTTPFields = [.authorization: "Bearer \(TestApp.adminToken)"]

    @Test func appsAreCreatedListedAndGrantedThroughTheAdminAPI() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let ingest = try await client.createKey(["ingest"])
            #expect(try await client.post(events: #"[{"type":"user_update","data":{"id":42,"username":"ann"}}]"#, key: ingest).status == .ok)

            let created = try await client.execute(
                uri: "/v1/admin/apps", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"push"}"#)
            ) {
                #expect($0.status == .created)
                return try #require($0.json)
            }
            for field in ["id", "consumer_key", "consumer_secret", "access_token", "access_token_secret"] {
                if case .string(let value)? = created[field] { #expect(value.count >= 12, "\(field)") } else { Issue.record("no \(field)") }
            }
            guard case .string(let id)? = created["id"] else { return }

            try await client.execute(uri: "/v1/admin/apps", method: .get, headers: admin) {
                let apps = $0.json?["apps"]?.array ?? []
                #expect(apps.count == 1)
                #expect(apps.first?["consumer_secret"] == nil, "secrets are shown once")
                #expect(apps.first?["access_token_secret"] == nil)
            }
            try await client.execute(uri: "/v1/admin/apps/\(id)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":42}"#))
            {
                #expect($0.status == .created)
                #expect($0.json?["user_id"] == .int(42))
            }
            try await client.execute(uri: "/v1/admin/apps/\(id)/grants/42", method: .delete, headers: admin) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/admin/apps/\(id)/grants/42", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
                #expect($0.errorCode == "not_found")
            }
        }
    }

    @Test func badAppRequestsAreRefused() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            for body in [#"{"name":""}"#, "{}", "nope"] {
                try await client.execute(uri: "/v1/admin/apps", method: .post, headers: admin, body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest, "\(body)")
                    #expect($0.errorCode == "invalid_request")
                }
            }
            try await client.execute(
                uri: "/v1/admin/apps/app_missing/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":1}"#)
            ) {
                #expect($0.status == .notFound)
            }
            let id = try await client.createApp("x")
            try await client.execute(uri: "/v1/admin/apps/\(id)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":777}"#))
            {
                #expect($0.status == .notFound, "users come from ingested events")
            }
            try await client.execute(
                uri: "/v1/admin/apps/\(id)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":"abc"}"#)
            ) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/admin/apps/\(id)/grants/abc", method: .delete, headers: admin) {
                #expect($0.status == .badRequest)
                #expect($0.errorCode == "invalid_parameter")
            }
            try await client.execute(uri: "/v1/admin/apps", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
        }
    }
}
