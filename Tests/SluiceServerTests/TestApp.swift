import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceCore
import SluiceServer
import SluiceTestSupport
import Testing

/// Builds the real application on a fresh SQLite file, as `sluice serve` would.
enum TestApp {
    static let adminToken = "test-admin-token"

    static func build(
        adminToken: String? = TestApp.adminToken, maxBodyBytes: Int = 1 << 20, extra: [AbsoluteConfigKey: ConfigValue] = [:]
    ) async throws -> some ApplicationProtocol {
        var values: [AbsoluteConfigKey: ConfigValue] = extra.merging([
            "store": .init(.string("sqlite:" + Fixtures.temporaryDatabasePath()), isSecret: false),
            "ingest.maxBodyBytes": .init(.int(maxBodyBytes), isSecret: false),
            "http.port": .init(.int(0), isSecret: false),
            "log.level": .init(.string("warning"), isSecret: false),
        ]) { mine, _ in mine }
        if let adminToken { values["admin.token"] = .init(.string(adminToken), isSecret: true) }
        return try await buildApplication(reader: ConfigReader(provider: InMemoryProvider(values: values)))
    }
}

extension TestClientProtocol {
    /// Creates a key through the admin API and returns its secret.
    func createKey(_ scopes: [String], name: String = "test") async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "scopes": scopes])
        return try await execute(
            uri: "/v1/admin/keys", method: .post, headers: [.authorization: "Bearer \(TestApp.adminToken)"],
            body: ByteBuffer(bytes: body)
        ) { response in
            #expect(response.status == .created)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))
            return try #require(json["key"].flatMap { if case .string(let key) = $0 { key } else { nil } })
        }
    }

    /// Creates a Site Streams app through the admin API and returns its id.
    func createApp(_ name: String) async throws -> String {
        try await execute(
            uri: "/v1/admin/apps", method: .post, headers: [.authorization: "Bearer \(TestApp.adminToken)"],
            body: ByteBuffer(string: #"{"name":"\#(name)"}"#)
        ) { response in
            #expect(response.status == .created)
            return try #require(response.json?["id"].flatMap { if case .string(let id) = $0 { id } else { nil } })
        }
    }

    func post(events body: String, key: String?, contentType: String = "application/json") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await execute(uri: "/v1/events", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func readLog(after: Int64 = 0, limit: Int = 1000, key: String) async throws -> JSONValue {
        try await execute(uri: "/v1/events?after=\(after)&limit=\(limit)", method: .get, headers: [.authorization: "Bearer \(key)"]) {
            #expect($0.status == .ok)
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: $0.body))
        }
    }
}

extension TestResponse {
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)) }
    var errorCode: String? {
        if case .string(let code)? = json?["error"]?["code"] { return code }
        return nil
    }
}

extension JSONValue {
    /// True when every field of `self` appears in `other` with the same value (recursively).
    func isContained(in other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let mine), .object(let theirs)):
            return mine.allSatisfy { key, value in theirs[key].map { value.isContained(in: $0) } ?? false }
        case (.array(let mine), .array(let theirs)):
            return mine.count == theirs.count && zip(mine, theirs).allSatisfy { $0.isContained(in: $1) }
        default:
            return self == other
        }
    }

    var int: Int64? {
        if case .int(let v) = self { return v }
        return nil
    }

    var array: [JSONValue] {
        if case .array(let v) = self { return v }
        return []
    }
}
