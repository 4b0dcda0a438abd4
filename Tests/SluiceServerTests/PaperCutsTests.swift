import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceServer

/// What the README promises a new user, item by item, where it did not hold (issue 18).
@Suite struct PaperCutsTests {
    let admin: HTTPFields = [.authorization: "Bearer \(TestApp.adminToken)"]

    /// Unknown input is refused everywhere with the same error shape, never ignored.
    @Test func unknownFieldsAndParametersAreRefusedEverywhere() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let cases: [(String, String, String)] = [
                (#"{"name":"k","scopes":["stream"],"limits":{"bogus":1}}"#, "unknown_field", "limits"),
                (#"{"name":"k","scopes":["stream"],"scope":"read"}"#, "unknown_field", "scope"),
            ]
            for (body, code, named) in cases {
                try await client.execute(uri: "/v1/admin/keys", method: .post, headers: admin, body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest, "\(body)")
                    #expect($0.errorCode == code, "\(body)")
                    #expect(String(buffer: $0.body).contains(named))
                }
            }
            #expect(
                try await client.execute(uri: "/v1/admin/keys", method: .get, headers: admin) { $0.json?["keys"]?.array.count } == 0,
                "nothing was created")
            try await client.execute(uri: "/v1/admin/apps", method: .post, headers: admin, body: ByteBuffer(string: #"{"name":"a","callback":"x"}"#))
            {
                #expect($0.status == .badRequest)
                #expect($0.errorCode == "unknown_field")
            }
            let reader = try await client.createKey(["read"])
            try await client.execute(uri: "/v1/events?after=0&foo=1", method: .get, headers: [.authorization: "Bearer \(reader)"]) {
                #expect($0.status == .badRequest)
                #expect($0.errorCode == "unknown_parameter")
            }
            for uri in ["/v1/events?after=0&limit=1", "/v1/events?&after=0", "/v1/events?aft%65r=0&&limit=1"] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(reader)"]) {
                    #expect($0.status == .ok, "the known ones still work, however written: \(uri)")
                }
            }
            // Routes that take no parameters refuse them too, before doing anything.
            let writer = try await client.createKey(["ingest", "stream"])
            let tries: [(String, HTTPRequest.Method, HTTPFields, String?)] = [
                ("/v1/events?dry_run=true", .post, [.authorization: "Bearer \(writer)"], #"[{"type":"user_update","data":{"id":1,"username":"a"}}]"#),
                ("/sse/token?lifetime=60", .post, [.authorization: "Bearer \(writer)"], nil),
                ("/v1/admin/keys?bogus=1", .post, admin, #"{"name":"k","scopes":["stream"]}"#),
                ("/healthz?verbose=1", .get, [:], nil),
            ]
            for (uri, method, headers, body) in tries {
                try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
                    #expect($0.status == .badRequest && $0.errorCode == "unknown_parameter", "\(uri)")
                }
            }
            #expect(try await client.readLog(key: reader)["events"]?.array.isEmpty == true, "the dry run stored nothing")
            try await client.execute(
                uri: "/sse/token", method: .post, headers: [.authorization: "Bearer \(writer)"], body: ByteBuffer(string: #"{"lifetime_seconds":60}"#)
            ) {
                #expect($0.status.code == 415 && $0.errorCode == "unsupported_media_type")
            }
        }
    }

    /// Events too: a field an event does not take is refused (it would otherwise vanish silently), at
    /// any depth; the form the log writes (ids twice, `id_str`) is taken back as it is.
    @Test func unknownEventFieldsAreRefused() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let user = #"{"id":1,"username":"a","protected":false}"#
            let refused: [(String, String)] = [
                (#"[{"type":"user_update","data":{"id":1,"username":"a","bogus":2}}]"#, "data.bogus"),
                (#"[{"type":"user_update","data":\#(user),"extra":1}]"#, "extra"),
                (
                    #"[{"type":"tweet","data":{"id":5,"text":"t","created_at":"2024-01-01T00:00:00Z","user":{"id":1,"username":"a","colour":"red"}}}]"#,
                    "data.user.colour"
                ),
                (
                    #"[{"type":"tweet","data":{"id":5,"text":"t","created_at":"2024-01-01T00:00:00Z","user":\#(user),"metrics":{"views":3}}}]"#,
                    "data.metrics.views"
                ),
                (#"[{"type":"follow","data":{"source_id":1,"target_id":2,"since":"now"}}]"#, "data.since"),
            ]
            for (body, path) in refused {
                let response = try await client.post(events: body, key: key)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorCode == "invalid_event")
                let message = String(buffer: response.body)
                #expect(message.contains(path) && message.contains("unknown field"), "\(message)")
            }
            #expect(try await client.readLog(key: key)["events"]?.array.isEmpty == true, "nothing was stored")
            // A `_str` twin must repeat its id; it cannot stand alone or say something else.
            for body in [
                #"[{"type":"user_update","data":{"id":7,"id_str":"8","username":"s"}}]"#,
                #"[{"type":"follow","data":{"source_id":1,"target_id":2,"source_id_str":"nonsense"}}]"#,
                #"[{"type":"tweet","data":{"id":5,"text":"t","created_at":"2024-01-01T00:00:00Z","user":\#(user),"in_reply_to_status_id_str":"77"}}]"#,
            ] {
                let response = try await client.post(events: body, key: key)
                #expect(response.status == .badRequest && response.errorCode == "invalid_event", "\(body)")
            }
            // What the log hands out (`seq`, ids twice) is taken back as it is.
            #expect(
                try await client.post(events: #"[{"type":"user_update","data":{"id":7,"id_str":"7","username":"s","protected":false}}]"#, key: key)
                    .status == .ok)
            #expect(
                try await client.post(
                    events: #"[{"type":"tweet","data":{"id":9,"text":"t","created_at":"2024-01-01T00:00:00Z","user":{"id":7,"username":"s"}}}]"#,
                    key: key
                ).status == .ok)
            let handedOut = try await client.readLog(key: key)["events"]?.array ?? []
            #expect(handedOut.count == 2)
            let fresh = try await TestApp.build()
            try await fresh.test(.router) { other in
                let otherKey = try await other.createKey(["ingest"])
                let body = String(decoding: try JSONEncoder().encode(JSONValue.array(handedOut)), as: UTF8.self)
                let response = try await other.post(events: body, key: otherKey)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
        }
    }

    /// Ids are accepted as JSON numbers or decimal strings wherever they appear, grants included.
    @Test func grantsTakeIdsAsStringsToo() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let ingest = try await client.createKey(["ingest"])
            #expect(try await client.post(events: #"[{"type":"user_update","data":{"id":103,"username":"s"}}]"#, key: ingest).status == .ok)
            let id = try await client.createApp("x")
            try await client.execute(
                uri: "/v1/admin/apps/\(id)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":"103"}"#)
            ) {
                #expect($0.status == .created)
                #expect($0.json?["user_id"] == .int(103))
            }
            try await client.execute(
                uri: "/v1/admin/apps/\(id)/grants", method: .post, headers: admin, body: ByteBuffer(string: #"{"user_id":"10x3"}"#)
            ) {
                #expect($0.status == .badRequest)
                #expect($0.errorCode == "invalid_request")
            }
        }
    }

    /// GeoJSON's `[longitude, latitude]` is taken as well as the object, and stored as the object.
    @Test func coordinatesComeAsAnObjectOrInGeoJSONOrder() async throws {
        let app = try await TestApp.build()
        try await app.test(.router) { client in
            let key = try await client.createKey(["ingest", "read"])
            let author = #"{"id":1,"username":"a","protected":false}"#
            let tweet = { (id: Int, coordinates: String) in
                #"[{"type":"tweet","data":{"id":\#(id),"text":"here","created_at":"2024-01-01T00:00:00Z","user":\#(author),"geo":{"coordinates":\#(coordinates)}}}]"#
            }
            #expect(try await client.post(events: tweet(10, "[2.35,48.85]"), key: key).status == .ok)
            #expect(try await client.post(events: tweet(11, #"{"latitude":48.85,"longitude":2.35}"#), key: key).status == .ok)
            for bad in ["[2.35]", "[200,48.85]", "[2.35,95]", #"["a","b"]"#] {
                let response = try await client.post(events: tweet(12, bad), key: key)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.errorCode == "invalid_event")
            }
            let log = try await client.readLog(key: key)
            let stored = (log["events"]?.array ?? []).compactMap { $0["data"]?["geo"]?["coordinates"] }
            let paris: JSONValue = .object(["latitude": .double(48.85), "longitude": .double(2.35)])
            #expect(stored == [paris, paris], "longitude first in GeoJSON, stored as the object: \(stored)")
        }
    }

    /// A store failure counter counts store failures; refusals are counted by code on their own.
    @Test func refusalsAreNotCountedAsStoreFailures() async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            let publisher = try await server.client()
            let author = Fixtures.user(1, "alice")
            _ = try await publisher.publish([.userUpdate(author), .tweet(Fixtures.tweet(5, by: author, text: "once"))])
            let refusal = await #expect(throws: SluiceAPIError.self) {
                _ = try await publisher.publish([.tweet(Fixtures.tweet(5, by: author, text: "twice"))])
            }
            #expect(refusal?.status == 400 && refusal?.code == "duplicate_id")
            let metrics = try await MetricsTests.scrape(server)
            #expect(MetricsTests.sample(metrics, "sluice_store_append_failures_total") == 0, "the store was healthy")
            #expect(MetricsTests.sample(metrics, #"sluice_ingest_refusals_total{code="duplicate_id"}"#) == 1)
        }
    }

    /// The 406 names what Site Streams do take.
    @Test func theNotAcceptableMessageNamesEveryParameterSiteStreamsTake() throws {
        do {
            _ = try SiteStreams.options([("follow", "1"), ("track", "swift")], acceptsEventStream: false)
            Issue.record("track was accepted")
        } catch let error as APIError {
            #expect(error.status.code == 406)
            for name in ["follow", "with", "replies", "delimited", "stall_warnings", "stringify_friend_ids"] {
                #expect(error.message.contains(name), "\(error.message)")
            }
        }
    }

    /// `sluice serve --help` lists every environment variable the README documents, from the settings.
    @Test func theHelpListsEverySettingTheReadmeDocuments() throws {
        let readme = try String(contentsOf: ErrorCatalogTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let documented = Set(try ErrorCatalogTests.matches(#"(SLUICE_[A-Z_]+)"#, in: readme).map { $0[0] })
            .subtracting(["SLUICE_VISIBILITY_SEEDS", "SLUICE_TEST_POSTGRES_URL", "SLUICE_BIN", "SLUICE_SCREENSHOTS"])
        let listed = Set(ServerSettings.environmentVariables)
        #expect(documented.subtracting(listed).sorted() == [], "documented but not read by serve")
        for name in ["SLUICE_STREAM_PORT", "SLUICE_TLS_CERTIFICATE", "SLUICE_TLS_KEY"] { #expect(listed.contains(name)) }
        #expect(!listed.contains { $0.hasPrefix("SLUICE_TEST_") }, "test-only settings stay out of the help")
    }
}

extension PaperCutsTests {
    /// A time reads the same in the answer that made it and everywhere later: a key's `created_at`
    /// when created and when listed; a token's `expires_at` when bought and in the stream's `connected`.
    @Test func timesReadTheSameEverywhere() async throws {
        let app = try await TestApp.build()
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            var created: [String: String] = [:]
            for n in 0..<25 {
                let key = try await server.admin.createKey(name: "k\(n)", scopes: ["stream"])
                created[key.id] = key.createdAt
                try await Task.sleep(for: .milliseconds(Int64(n % 7)))
            }
            for key in try await server.admin.listKeys() {
                #expect(key.createdAt == created[key.id], "\(key.id)")
            }
            let publisher = try await server.client()
            for _ in 0..<5 {
                var request = HTTPClientRequest(url: server.baseURL + "/sse/token")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(publisher.credential)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: try await response.body.collect(upTo: 1 << 16)))
                let probe = try await StreamProbe.open("\(server.baseURL)/sse/private?token=\(body["token"] ?? "")")
                try await probe.connected()
                let connected = probe.statuses.first { $0["status"] == .string("connected") }
                #expect(connected?["expires_at"] == .string(body["expires_at"] ?? "?"), "\(String(describing: connected)) vs \(body)")
                probe.close()
            }
        }
    }
}
