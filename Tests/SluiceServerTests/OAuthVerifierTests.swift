import Foundation
import HTTPTypes
import Logging
import NIOCore
import SluiceCore
import SluiceStore
import SluiceTestSupport
import Testing

@testable import SluiceServer

/// The server's OAuth 1.0a verification from a raw HTTP request, checked against RFC 5849's own worked
/// examples: the oracle is the RFC's text, not the SDK's signer (which shares `OAuth1Signature`).
@Suite struct OAuthVerifierTests {
    /// RFC 5849 §1.2: the photo printing example, with its published credentials and signature.
    static let photos = SiteApp(
        id: "app_rfc", name: "printer", consumerKey: "dpf43f3p2l4k3l03", consumerSecret: "kd94hf93k423kf44",
        accessToken: "nnch734d00sl2jdk", accessTokenSecret: "pfkkdhi9sl3r4s00", createdAt: Date())

    static func photosRequest(signature: String = "MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D", nonce: String = "chapoH") -> OAuthVerifier.SignedRequest {
        let head = HTTPRequest(
            method: .get, scheme: nil, authority: "photos.example.net", path: "/photos?file=vacation.jpg&size=original",
            headerFields: [
                .authorization:
                    #"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="\#(nonce)", oauth_signature="\#(signature)""#
            ])
        return OAuthVerifier.SignedRequest(head: head, body: nil)
    }

    func withVerifier(_ body: (OAuthVerifier) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: Fixtures.temporaryDatabasePath(), logger: Logger(label: "test"))
        try await store.createApp(Self.photos)
        try await body(OAuthVerifier(store: store, nonces: OAuth1NonceWindow(window: 300), scheme: "http"))
        try await store.close()
    }

    /// The RFC's signed request is accepted as the app, at the instant it was signed; the same request
    /// with a signature off by one character, or sent again, is not.
    @Test func rfc5849PhotosExampleVerifies() async throws {
        try await withVerifier { verifier in
            let signedAt = Date(timeIntervalSince1970: 137_131_202)
            let app = try await verifier.verify(Self.photosRequest(), now: signedAt)
            #expect(app.id == "app_rfc")
            let replay = await #expect(throws: APIError.self) { try await verifier.verify(Self.photosRequest(), now: signedAt) }
            #expect(replay?.message.contains("oauth_nonce was already used") == true)
            let forged = await #expect(throws: APIError.self) {
                try await verifier.verify(Self.photosRequest(signature: "MdpQcU8iPSUjWoN%2FUDMsK2sui9J%3D", nonce: "other"), now: signedAt)
            }
            #expect(forged?.code == "unauthorized" && forged?.message.contains("invalid signature") == true)
        }
    }

    /// RFC 5849 §3.4.1.1: the base string of a POST whose parameters come from the query (percent-encoded,
    /// an empty value, a `%40` in a name), a form body (`+` for space, a name without `=`) and the header
    /// (whose `realm` and `oauth_signature` are left out).
    @Test func rfc5849BaseStringExample() throws {
        let head = HTTPRequest(
            method: .post, scheme: nil, authority: "example.com", path: "/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            headerFields: [
                .contentType: "application/x-www-form-urlencoded",
                .authorization:
                    #"OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D""#,
            ])
        let request = OAuthVerifier.SignedRequest(head: head, body: ByteBuffer(string: "c2&a3=2+q"))
        let base = request.baseString(scheme: "http", parameters: try #require(request.signedParameters))
        #expect(
            base
                == "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        )
    }

    /// RFC 5849 §3.4.1.2: the base URI is lowercased and drops the default port, from the `Host` header.
    @Test func rfc5849BaseURIExample() throws {
        let head = HTTPRequest(method: .get, scheme: nil, authority: "EXAMPLE.COM:80", path: "/r%20v/X?id=123", headerFields: [:])
        let request = OAuthVerifier.SignedRequest(head: head, body: nil)
        #expect(request.baseString(scheme: "http", parameters: []) == "GET&http%3A%2F%2Fexample.com%2Fr%2520v%2FX&")
    }
}
