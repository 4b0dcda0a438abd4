import Foundation
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// One legal event larger than a connection's buffer (256 KiB by default) is delivered, not turned into a
/// slow-reader disconnect of every stream it matches (the first item of "Hostile input and hard limits").
@Suite struct LargeEventTests {
    /// 12,000 family emoji: within the 25,000-character limit, about 300 KB of UTF-8.
    static let hugeText = String(repeating: "👨‍👩‍👧‍👦", count: 12_000)

    @Test func aTweetLargerThanTheBufferReachesPrivateSSEAndSiteStreams() async throws {
        let app = try await TestApp.build(maxBodyBytes: 8 << 20)
        try await app.test(.live) { client in
            let server = LiveServer(port: client.port!)
            let publisher = try await server.client()
            let alice = Fixtures.user(1, "alice")
            _ = try await publisher.publish([.userUpdate(alice)])
            let info = try await server.admin.createApp(name: "large")
            try await server.admin.grant(appID: info.id, userID: 1)
            let site = try await SiteStreamProbe.open(TestSiteApp(info: info, baseURL: server.baseURL).request("GET", "/1.1/site.json", [("follow", "1")]))
            try await site.wait("the preamble") { !$0.messages(for: 1).isEmpty }
            let stream = try await server.stream(publisher)
            try await stream.connected()

            let huge = Fixtures.tweet(500, by: alice, text: Self.hugeText)
            #expect(try JSONCoding.string(huge).utf8.count > 256 << 10, "the event is larger than the buffer")
            _ = try await publisher.publish([.tweet(huge), .tweet(Fixtures.tweet(501, by: alice, text: "marker"))])
            try await stream.wait("the marker after the large tweet", timeout: .seconds(30)) {
                $0.payloads.contains { $0["data"]?["id"] == .string("501") }
            }
            let delivered = stream.payloads.first { $0["data"]?["id"] == .string("500") }
            #expect(delivered?["data"]?["text"] == .string(Self.hugeText), "complete and untruncated")
            #expect(!stream.statuses.contains { $0["status"] == .string("disconnected") })
            try await site.wait("the marker on Site Streams", timeout: .seconds(30)) { $0.messages(for: 1).contains { $0["id"]?.int == 501 } }
            #expect(site.messages(for: 1).contains { $0["id"]?.int == 500 && $0["text"] == .string(Self.hugeText) })
        }
    }
}
